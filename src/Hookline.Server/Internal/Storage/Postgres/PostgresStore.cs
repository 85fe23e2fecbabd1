using System.Data.Common;
using Hookline.Server.Internal.Storage.Sqlite;
using Npgsql;

namespace Hookline.Server.Internal.Storage.Postgres;

/// <summary>
/// PostgreSQL behind the audit trail, the sessions and the policy epochs, shared by any number of server replicas.
/// A batch is one multi-row insert; an event is acknowledged only after its transaction committed. The writes are
/// <see cref="AuditStore"/>'s; this class holds the pool, the advisory locks, the notifications and PostgreSQL's words.
/// </summary>
internal sealed partial class PostgresStore : AuditStore, IAuditStore, ISharedPolicyStore
{
    /// <summary>Advisory lock keys (arbitrary, fixed): schema migration, and policy epochs.</summary>
    private const long MigrationLock = 0x486f6f6b6c01;
    private const long PolicyLock = 0x486f6f6b6c02;

    private readonly NpgsqlDataSource _dataSource;

    /// <param name="time">The server's clock, for the times a row is written at; the system clock when null (local commands).</param>
    public PostgresStore(string connectionString, TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        _dataSource = CreateDataSource(connectionString);
        Reader = new PostgresAuditReader(_dataSource);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Location = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
        try
        {
            MigrateSchema();
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
    /// <remarks>
    /// Not auto-prepared (Max Auto Prepare): measured on the batch of PostgresBatchBenchmarks, PostgreSQL's generic
    /// plans for the batch's <c>= ANY(array)</c> selects scan the array per row (the coverage select went from 4 to
    /// 106 ms a batch), and parsing and planning are about 7% of a batch's PostgreSQL time.
    /// </remarks>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlSlimDataSourceBuilder(connectionString);
        builder.EnableArrays();
        builder.EnableTransportSecurity();
        return builder.Build();
    }

    public override bool IsTransient(Exception exception) => exception is NpgsqlException or IOException or TimeoutException;

    public override NpgsqlConnection Open() => _dataSource.OpenConnection();

    /// <summary>A pooled connection, opened without holding a thread: requests and decisions wait on these.</summary>
    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellation)
        => await _dataSource.OpenConnectionAsync(cancellation).ConfigureAwait(false);

    /// <summary>A connection of its own for LISTEN, outside the pool's churn.</summary>
    public NpgsqlConnection CreateListenerConnection() => _dataSource.CreateConnection();

    private void MigrateSchema()
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
            Migrate(connection, version, PostgresSchema.Steps, Location);
        }
        finally
        {
            command.CommandText = $"SELECT pg_advisory_unlock({MigrationLock});";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>A pooled connection: each writer, and each replica, has its own.</summary>
    protected override StoreWrite BeginWrite()
    {
        var connection = Open();
        try
        {
            return new StoreWrite(connection, connection.BeginTransaction(), connection.Dispose);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Holds each session until commit: another replica writing the same session (after a failover) waits, then
    /// chains after this batch; a retention cut waits for the batch, and a batch for the cut.
    /// </summary>
    protected override string EventOrder => "seq";

    protected override void LockSessions(StoreWrite write, string[] sessions)
    {
        using var lockSessions = write.Command("SELECT pg_advisory_xact_lock(hashtextextended(s, 0)) FROM unnest(@sessions::text[]) AS t(s);");
        Add(lockSessions, "sessions", sessions);
        lockSessions.ExecuteNonQuery();
    }

    protected override void LockPolicies(StoreWrite write)
    {
        using var lockCommand = write.Command($"SELECT pg_advisory_xact_lock({PolicyLock});");
        lockCommand.ExecuteNonQuery();
    }

    protected override string InList(string column, string parameter) => $"{column} = ANY(@{parameter})";

    protected override object ListValue(IReadOnlyCollection<string> values) => values.ToArray();

    protected override string Values(IReadOnlyList<string> columns) => $"SELECT * FROM {Unnest(columns)}";

    protected override string Row(string column) => "u." + column;

    protected override string JoinRows(string keyword, IReadOnlyList<string> columns)
        => $"{keyword} {Unnest(columns)} AS u({string.Join(", ", columns)})";

    private static string Unnest(IReadOnlyList<string> columns)
        => $"unnest({string.Join(", ", columns.Select(n => $"@{n}::{PostgresTypes.Of(n)}[]"))})";

    /// <summary>One round trip for all rows: each column binds as one typed array.</summary>
    protected override int ExecuteRows(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        Bind(command, columns, rows);
        return command.ExecuteNonQuery();
    }

    protected override void ReadRows(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows, Action<DbDataReader> read)
    {
        Bind(command, columns, rows);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            read(reader);
        }
    }

    private static void Bind(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        for (var c = 0; c < columns.Count; c++)
        {
            command.Parameters.Add(new NpgsqlParameter { ParameterName = columns[c], Value = PostgresTypes.Column(columns[c], rows, c) });
        }
    }

    /// <summary>Asked once for the whole batch: per session, its last chained event, else the checkpoint a retention cut left.</summary>
    protected override Func<string, (long Seq, string Hash)> LastLinks(StoreWrite write, string[] sessions)
    {
        using var select = write.Command("""
            SELECT s, l.session_seq, l.hash FROM unnest(@sessions::text[]) AS t(s), LATERAL (
                SELECT session_seq, hash FROM (
                    (SELECT session_seq, hash FROM events WHERE session_id = s AND session_seq IS NOT NULL ORDER BY session_seq DESC LIMIT 1)
                    UNION ALL SELECT session_seq, hash FROM chain_checkpoints WHERE session_id = s) candidates
                ORDER BY session_seq DESC LIMIT 1) l;
            """);
        Add(select, "sessions", sessions);
        var links = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            links[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2));
        }
        return session => links.GetValueOrDefault(session, (0, AuditChain.Genesis));
    }

    // The rows a batch inserted are announced with the range of storage order they took, delivered at commit to
    // every replica's live feed (see ReplicaFeed). Replays that inserted nothing announce nothing. The statement returns
    // the ids it inserted (the announcement, volatile, is a materialized CTE: it runs once, whatever reads it).
    protected override string AnnounceInserted(string insert) => $"""
        WITH stored AS (
            {insert}
            RETURNING seq, event_id),
        announced AS (
            SELECT pg_notify('{EventsChannel}', '{ReplicaId}'::text || ' ' || MIN(seq) || ' ' || MAX(seq)) FROM stored HAVING COUNT(*) > 0)
        SELECT event_id FROM stored WHERE (SELECT COUNT(*) FROM announced) >= 0;
        """;

    /// <summary>The LISTEN/NOTIFY channel of stored batches: "replica first-seq last-seq".</summary>
    public const string EventsChannel = "hookline_events";

    /// <summary>Delivered at commit, to every replica listening: they load the new epoch and push it to their streams.</summary>
    protected override void AnnouncePolicy(StoreWrite write, ulong epoch)
    {
        using var notify = write.Command("SELECT pg_notify(@channel, @epoch);");
        Add(notify, "channel", PolicyChannel);
        Add(notify, "epoch", epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        notify.ExecuteNonQuery();
    }

    /// <summary>The LISTEN/NOTIFY channel of policy epochs.</summary>
    public const string PolicyChannel = "hookline_policy";

    public StoredPolicy? LatestPolicy()
    {
        using var connection = Open();
        return LatestPolicy(connection, null);
    }

    public void Dispose() => _dataSource.Dispose();
}

/// <summary>PostgreSQL column types of the rows written in batches (events, checkpoints, session states, rollups), for typed arrays.</summary>
internal static class PostgresTypes
{
    private static readonly HashSet<string> Bytea = ["tool_input", "tool_response", "raw_input", "state"];

    private static readonly HashSet<string> BigInt =
    [
        "payload_truncated", "event_time_ms", "received_at_ms", "is_default", "policy_epoch", "applied_epoch",
        "applied_latency_us", "stored_at_ms", "session_seq", "payload_shed", "payload_bytes", "authenticated",
        "cut_at_ms", "updated_at_ms", "pre_at_ms", "ran_at_ms", "heuristic", "reported_latency_us", "minute_ms", "bucket", "shard", "n",
    ];

    public static string Of(string column) => Bytea.Contains(column) ? "bytea" : BigInt.Contains(column) ? "bigint" : "text";

    /// <summary>Column <paramref name="index"/> of <paramref name="rows"/> as one typed array (copied by cast, not by <c>Array.SetValue</c>).</summary>
    public static Array Column(string column, IReadOnlyList<object?[]> rows, int index) => Of(column) switch
    {
        "bytea" => Copy<byte[]>(rows, index),
        "bigint" => Longs(rows, index),
        _ => Copy<string>(rows, index),
    };

    private static T?[] Copy<T>(IReadOnlyList<object?[]> rows, int index) where T : class
    {
        var values = new T?[rows.Count];
        for (var r = 0; r < values.Length; r++)
        {
            values[r] = (T?)rows[r][index];
        }
        return values;
    }

    private static long?[] Longs(IReadOnlyList<object?[]> rows, int index)
    {
        var values = new long?[rows.Count];
        for (var r = 0; r < values.Length; r++)
        {
            values[r] = (long?)rows[r][index];
        }
        return values;
    }
}
