using Hookline.Server.Internal.Storage.Sqlite;
using Hookline.Server.Internal.Storage;
using Npgsql;

namespace Hookline.Server.Internal.Storage.Postgres;

/// <summary>
/// PostgreSQL behind the audit trail, the sessions and the policy epochs, shared by any number of server replicas.
/// A batch is one multi-row insert; an event is acknowledged only after its transaction committed.
/// </summary>
internal sealed partial class PostgresStore : IAuditStore, ISharedPolicyStore
{
    /// <summary>Advisory lock keys (arbitrary, fixed): schema migration, and policy epochs.</summary>
    private const long MigrationLock = 0x486f6f6b6c01;
    private const long PolicyLock = 0x486f6f6b6c02;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;

    /// <param name="time">The server's clock, for the times a row is written at; the system clock when null (local commands).</param>
    public PostgresStore(string connectionString, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _dataSource = CreateDataSource(connectionString);
        Reader = new PostgresAuditReader(_dataSource);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Location = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
        try
        {
            Migrate();
        }
        catch
        {
            _dataSource.Dispose();
            throw;
        }
    }

    public string Location { get; }

    public IAuditReader Reader { get; }

    /// <summary>Names this store in the notifications of its batches, so a replica skips its own.</summary>
    public string ReplicaId { get; } = Guid.NewGuid().ToString("N")[..16];

    /// <summary>The slim builder keeps the Native AOT CLI free of reflection; it enables only what Hookline uses.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlSlimDataSourceBuilder(connectionString);
        builder.EnableArrays();
        builder.EnableTransportSecurity();
        return builder.Build();
    }

    public bool IsTransient(Exception exception) => exception is NpgsqlException or IOException or TimeoutException;

    public NpgsqlConnection Open() => _dataSource.OpenConnection();

    /// <summary>A connection of its own for LISTEN, outside the pool's churn.</summary>
    public NpgsqlConnection CreateListenerConnection() => _dataSource.CreateConnection();

    private void Migrate()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT pg_advisory_lock({MigrationLock});
            CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at_ms BIGINT NOT NULL);
            """;
        command.ExecuteNonQuery();
        try
        {
            command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
            var version = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            SchemaMigrations.Check(version, PostgresSchema.Steps.Count, Location);
            for (var next = version + 1; next <= PostgresSchema.Steps.Count; next++)
            {
                using var transaction = connection.BeginTransaction();
                command.Transaction = transaction;
                command.CommandText = PostgresSchema.Steps[next - 1] +
                    $"\nINSERT INTO schema_version (version, applied_at_ms) VALUES ({next}, {_time.GetUtcNow().ToUnixTimeMilliseconds()});";
                command.ExecuteNonQuery();
                transaction.Commit();
                command.Transaction = null;
            }
        }
        finally
        {
            command.CommandText = $"SELECT pg_advisory_unlock({MigrationLock});";
            command.ExecuteNonQuery();
        }
    }

    public BatchOutcome WriteBatch(IReadOnlyList<AuditRecord> batch, long storedAtMs, IReadOnlyList<SessionStateWrite>? states = null)
    {
        var sessions = batch.Select(r => r.Event.SessionId).Concat(states?.Select(s => s.SessionId) ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        // Hold each session of the batch until commit: another replica writing the same session (after a failover)
        // waits, then chains after this batch. Sorted, so two batches never wait on each other in a cycle.
        using (var lockSessions = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtextextended(s, 0)) FROM unnest(@sessions::text[]) AS t(s);", connection, transaction))
        {
            lockSessions.Parameters.AddWithValue("sessions", sessions);
            lockSessions.ExecuteNonQuery();
        }
        var stored = StoredHashes(connection, transaction, batch);
        var links = LastLinks(connection, transaction, sessions);
        var plan = BatchPlan.Create(batch, storedAtMs, stored,
            session => links.GetValueOrDefault(session, (0, AuditChain.Genesis)));
        Insert(connection, transaction, plan.Inserts, ReplicaId);
        UpdateApplied(connection, transaction, plan.Updates);
        SaveStates(connection, transaction, states);
        transaction.Commit();
        return plan.Outcome;
    }

    private static Dictionary<string, StoredEvent> StoredHashes(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<AuditRecord> batch)
    {
        using var select = new NpgsqlCommand($"SELECT {StoredEvents.Columns} FROM events WHERE event_id = ANY(@ids);", connection, transaction);
        select.Parameters.AddWithValue("ids", batch.Select(r => r.Event.EventId).ToArray());
        using var reader = select.ExecuteReader();
        return StoredEvents.Read(reader);
    }

    /// <summary>Per session: its last chained event, else the checkpoint a retention cut left; absent means genesis.</summary>
    private static Dictionary<string, (long Seq, string Hash)> LastLinks(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] sessions)
    {
        using var select = new NpgsqlCommand("""
            SELECT s, l.session_seq, l.hash FROM unnest(@sessions::text[]) AS t(s), LATERAL (
                SELECT session_seq, hash FROM (
                    (SELECT session_seq, hash FROM events WHERE session_id = s AND session_seq IS NOT NULL ORDER BY session_seq DESC LIMIT 1)
                    UNION ALL SELECT session_seq, hash FROM chain_checkpoints WHERE session_id = s) candidates
                ORDER BY session_seq DESC LIMIT 1) l;
            """, connection, transaction);
        select.Parameters.AddWithValue("sessions", sessions);
        var links = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            links[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2));
        }
        return links;
    }

    private static void Insert(NpgsqlConnection connection, NpgsqlTransaction transaction, List<PlannedInsert> inserts, string replicaId)
    {
        if (inserts.Count == 0)
        {
            return;
        }
        using var insert = new NpgsqlCommand(InsertSql, connection, transaction);
        for (var c = 0; c < InsertColumns.Length; c++)
        {
            var column = PostgresTypes.NewArray(InsertColumns[c], inserts.Count);
            for (var r = 0; r < inserts.Count; r++)
            {
                column.SetValue(inserts[r].Values[c], r);
            }
            insert.Parameters.Add(new NpgsqlParameter { ParameterName = "p" + c, Value = column });
        }
        insert.Parameters.AddWithValue("replica", replicaId);
        insert.ExecuteNonQuery();
    }

    private static void UpdateApplied(NpgsqlConnection connection, NpgsqlTransaction transaction, List<PlannedUpdate> updates)
    {
        if (updates.Count == 0)
        {
            return;
        }
        using var update = new NpgsqlCommand(UpdateAppliedSql, connection, transaction);
        update.Parameters.AddWithValue("event_id", updates.Select(u => u.EventId).ToArray());
        update.Parameters.AddWithValue("applied_hash", updates.Select(u => u.AppliedHash).ToArray());
        foreach (var index in AuditChain.AppliedIndexes)
        {
            var name = EventColumns.Names[index];
            var column = PostgresTypes.NewArray(name, updates.Count);
            for (var r = 0; r < updates.Count; r++)
            {
                column.SetValue(updates[r].Values[index], r);
            }
            update.Parameters.Add(new NpgsqlParameter { ParameterName = name, Value = column });
        }
        update.ExecuteNonQuery();
    }

    private static readonly string[] InsertColumns = [.. EventColumns.Names, .. AuditChain.Columns];

    // The rows this batch inserted are announced with the range of storage order they took, delivered at commit to
    // every replica's live feed (see ReplicaFeed). Replays that inserted nothing announce nothing.
    private static readonly string InsertSql = $"""
        WITH stored AS (
            INSERT INTO events ({string.Join(", ", InsertColumns)})
            SELECT * FROM unnest({string.Join(", ", InsertColumns.Select((n, i) => $"@p{i}::{PostgresTypes.Of(n)}[]"))})
            ON CONFLICT (event_id) DO NOTHING RETURNING seq)
        SELECT pg_notify('{EventsChannel}', @replica::text || ' ' || MIN(seq) || ' ' || MAX(seq)) FROM stored HAVING COUNT(*) > 0;
        """;

    /// <summary>The LISTEN/NOTIFY channel of stored batches: "replica first-seq last-seq".</summary>
    public const string EventsChannel = "hookline_events";

    private static readonly string UpdateAppliedSql = $"""
        UPDATE events e SET {string.Join(", ", EventColumns.Applied.Select(n => $"{n} = u.{n}"))}, applied_hash = u.applied_hash
        FROM unnest(@event_id::text[], @applied_hash::text[], {string.Join(", ", EventColumns.Applied.Select(n => $"@{n}::{PostgresTypes.Of(n)}[]"))})
            AS u(event_id, applied_hash, {string.Join(", ", EventColumns.Applied)})
        WHERE e.event_id = u.event_id;
        """;

    public ulong AcceptPolicy(string hash, string document, string source, long nowMs)
        => AcceptPolicy(hash, document, source, appliedBy: "", nowMs, onlyIfNone: false).Epoch;

    /// <summary>
    /// Stores a policy document as the newest epoch, under a lock so that replicas agree on the order. With
    /// <paramref name="onlyIfNone"/>, a database that already holds a policy keeps it and returns that one.
    /// </summary>
    public StoredPolicy AcceptPolicy(string hash, string document, string source, string appliedBy, long nowMs, bool onlyIfNone)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PolicyLock});", connection, transaction))
        {
            lockCommand.ExecuteNonQuery();
        }
        var latest = LatestPolicy(connection, transaction);
        if (latest is not null && (latest.Hash == hash || onlyIfNone))
        {
            transaction.Commit();
            return latest;
        }
        using var insert = new NpgsqlCommand("""
            INSERT INTO policy_epochs (hash, document, source, applied_by, applied_at_ms)
            VALUES (@hash, @document, @source, @applied_by, @now) RETURNING epoch;
            """, connection, transaction);
        insert.Parameters.AddWithValue("hash", hash);
        insert.Parameters.AddWithValue("document", document);
        insert.Parameters.AddWithValue("source", source);
        insert.Parameters.AddWithValue("applied_by", appliedBy);
        insert.Parameters.AddWithValue("now", nowMs);
        var epoch = (ulong)(long)insert.ExecuteScalar()!;
        using (var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @epoch);", connection, transaction))
        {
            // Delivered at commit, to every replica listening: they load the new epoch and push it to their streams.
            notify.Parameters.AddWithValue("channel", PolicyChannel);
            notify.Parameters.AddWithValue("epoch", epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
            notify.ExecuteNonQuery();
        }
        transaction.Commit();
        return new StoredPolicy(epoch, hash, document, source, appliedBy, nowMs);
    }

    /// <summary>The LISTEN/NOTIFY channel of policy epochs.</summary>
    public const string PolicyChannel = "hookline_policy";

    public StoredPolicy? LatestPolicy()
    {
        using var connection = Open();
        return LatestPolicy(connection, null);
    }

    private static StoredPolicy? LatestPolicy(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        using var select = new NpgsqlCommand(
            "SELECT epoch, hash, document, source, applied_by, applied_at_ms FROM policy_epochs ORDER BY epoch DESC LIMIT 1;",
            connection, transaction);
        using var reader = select.ExecuteReader();
        return reader.Read()
            ? new StoredPolicy((ulong)reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt64(5))
            : null;
    }

    public void Dispose() => _dataSource.Dispose();
}

/// <summary>One row of <c>policy_epochs</c>.</summary>
internal sealed record StoredPolicy(ulong Epoch, string Hash, string Document, string Source, string AppliedBy, long AppliedAtMs);

/// <summary>PostgreSQL column types of the <c>events</c> table, for typed arrays.</summary>
internal static class PostgresTypes
{
    private static readonly HashSet<string> Bytea = ["tool_input", "tool_response", "raw_input"];

    private static readonly HashSet<string> BigInt =
    [
        "payload_truncated", "event_time_ms", "received_at_ms", "is_default", "policy_epoch", "applied_epoch",
        "applied_latency_us", "stored_at_ms", "session_seq", "payload_shed", "payload_bytes", "authenticated",
    ];

    public static string Of(string column) => Bytea.Contains(column) ? "bytea" : BigInt.Contains(column) ? "bigint" : "text";

    public static Array NewArray(string column, int length) => Of(column) switch
    {
        "bytea" => new byte[]?[length],
        "bigint" => new long?[length],
        _ => new string?[length],
    };
}
