using Npgsql;

namespace Hookline.Server.Internal;

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

    public PostgresStore(string connectionString)
    {
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
                    $"\nINSERT INTO schema_version (version, applied_at_ms) VALUES ({next}, {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()});";
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

    public int WriteBatch(IReadOnlyList<AuditRecord> batch)
    {
        var columns = EventColumns.Names;
        var arrays = new Array[columns.Length];
        for (var c = 0; c < columns.Length; c++)
        {
            arrays[c] = PostgresTypes.NewArray(columns[c], batch.Count);
        }
        var values = new object?[columns.Length];
        var storedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var r = 0; r < batch.Count; r++)
        {
            EventColumns.Fill(batch[r], storedAt, values);
            for (var c = 0; c < columns.Length; c++)
            {
                arrays[c].SetValue(values[c], r);
            }
        }

        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var insert = new NpgsqlCommand(InsertSql, connection, transaction);
        for (var c = 0; c < columns.Length; c++)
        {
            insert.Parameters.Add(new NpgsqlParameter { ParameterName = "p" + c, Value = arrays[c] });
        }
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = insert.ExecuteReader())
        {
            while (reader.Read())
            {
                inserted.Add(reader.GetString(0));
            }
        }
        var duplicates = UpdateApplied(connection, transaction, batch, inserted, arrays);
        transaction.Commit();
        return duplicates;
    }

    /// <summary>
    /// Replays that carry the sidecar's applied decision fill it in on the row already there. Returns how many
    /// records changed nothing.
    /// </summary>
    private static int UpdateApplied(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<AuditRecord> batch, HashSet<string> inserted, Array[] arrays)
    {
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var toUpdate = new List<int>();
        var duplicates = 0;
        for (var r = 0; r < batch.Count; r++)
        {
            var id = batch[r].Event.EventId;
            var insertedHere = inserted.Contains(id) && firstIndex.TryAdd(id, r);
            if (insertedHere)
            {
                continue;
            }
            if (batch[r].Event.Applied is null)
            {
                duplicates++;
            }
            else
            {
                toUpdate.Add(r);
            }
        }
        if (toUpdate.Count == 0)
        {
            return duplicates;
        }
        using var update = new NpgsqlCommand(UpdateAppliedSql, connection, transaction);
        var names = EventColumns.Names;
        var keyed = new[] { "event_id" }.Concat(EventColumns.Applied).ToArray();
        foreach (var column in keyed)
        {
            var source = arrays[Array.IndexOf(names, column)];
            var picked = PostgresTypes.NewArray(column, toUpdate.Count);
            for (var i = 0; i < toUpdate.Count; i++)
            {
                picked.SetValue(source.GetValue(toUpdate[i]), i);
            }
            update.Parameters.Add(new NpgsqlParameter { ParameterName = column, Value = picked });
        }
        update.ExecuteNonQuery();
        return duplicates;
    }

    private static readonly string InsertSql = $"""
        INSERT INTO events ({string.Join(", ", EventColumns.Names)})
        SELECT * FROM unnest({string.Join(", ", EventColumns.Names.Select((n, i) => $"@p{i}::{PostgresTypes.Of(n)}[]"))})
        ON CONFLICT (event_id) DO NOTHING
        RETURNING event_id;
        """;

    private static readonly string UpdateAppliedSql = $"""
        UPDATE events e SET {string.Join(", ", EventColumns.Applied.Select(n => $"{n} = u.{n}"))}
        FROM unnest(@event_id::text[], {string.Join(", ", EventColumns.Applied.Select(n => $"@{n}::{PostgresTypes.Of(n)}[]"))})
            AS u(event_id, {string.Join(", ", EventColumns.Applied)})
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
        "applied_latency_us", "stored_at_ms",
    ];

    public static string Of(string column) => Bytea.Contains(column) ? "bytea" : BigInt.Contains(column) ? "bigint" : "text";

    public static Array NewArray(string column, int length) => Of(column) switch
    {
        "bytea" => new byte[]?[length],
        "bigint" => new long?[length],
        _ => new string?[length],
    };
}
