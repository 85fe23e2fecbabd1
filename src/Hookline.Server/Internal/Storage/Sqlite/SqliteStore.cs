using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

/// <summary>
/// The SQLite file behind the audit trail, the sessions and the policy epochs. WAL mode with synchronous=FULL:
/// an event is acknowledged to the sidecar only after its transaction is on disk. The writes are
/// <see cref="AuditStore"/>'s; this class holds the file, its one writer connection and SQLite's words.
/// </summary>
internal sealed partial class SqliteStore : AuditStore, IAuditStore
{
    /// <summary>
    /// The writer's page cache (SQLite's default is 2 MiB): a batch touches pages all over the indexes (random event and
    /// call ids), and each page missed is read again from the file. Filled only as pages are used.
    /// </summary>
    private const int WriterCacheKiB = 64 * 1024;

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Lock _writerLock = new();
    private readonly KeptCommands _kept;
    private readonly WalCheckpointer _checkpointer;

    /// <param name="time">The server's clock, for the times a row is written at; the system clock when null (local commands).</param>
    public SqliteStore(string dataDirectory, TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        // 0700 and 0600, created before SQLite opens the file: its -wal and -shm copy the database's mode.
        DatabasePath = Path.Combine(dataDirectory, "hookline.db");
        ModeWarnings = [.. new[] { Core.PrivateFiles.CreateDirectory(dataDirectory), Core.PrivateFiles.CreateFile(DatabasePath) }.OfType<string>()];
        Reader = new SqliteAuditReader(dataDirectory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = Open();
        using (var cache = _writer.CreateCommand())
        {
            cache.CommandText = $"PRAGMA cache_size = -{WriterCacheKiB}; PRAGMA wal_autocheckpoint = {WalCheckpointer.WriterBackstopPages};";
            cache.ExecuteNonQuery();
        }
        _kept = new KeptCommands(_writer);
        MigrateSchema();
        TakeWrittenPages();
        _checkpointer = new WalCheckpointer(Open);
    }

    /// <summary>The background checkpoints so far (<see cref="WalCheckpointer"/>).</summary>
    internal (long Nudges, long Checkpoints, long Restarts) Checkpoints => _checkpointer.Counts;

    public string DatabasePath { get; }

    /// <summary>How many statements the writer connection keeps prepared (<see cref="KeptCommands"/>).</summary>
    internal int KeptStatements => _kept.Count;

    /// <summary>The data directory or the database let other users in when opened: worth a warning, not a change.</summary>
    public IReadOnlyList<string> ModeWarnings { get; }

    public string Location => DatabasePath;

    public IAuditReader Reader { get; }

    public override bool IsTransient(Exception exception) => exception is SqliteException or IOException;

    /// <summary>Completes at once: SQLite opens in process, and its commands answer synchronously behind the async calls.</summary>
    public override ValueTask<DbConnection> OpenAsync(CancellationToken cancellation) => ValueTask.FromResult<DbConnection>(Open());

    public override SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private void MigrateSchema()
    {
        using var command = _writer.CreateCommand();
        // Databases made before the schema_version table carry their version in user_version.
        command.CommandText = "PRAGMA user_version;";
        var legacy = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = $"""
            CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL);
            INSERT OR IGNORE INTO schema_version (version, applied_at_ms)
                SELECT value, 0 FROM (SELECT 1 AS value) WHERE {legacy} >= 1;
            SELECT COALESCE(MAX(version), 0) FROM schema_version;
            """;
        var version = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        Migrate(_writer, version, SqliteSchema.Steps, DatabasePath, next => $"PRAGMA user_version = {next};");
    }

    /// <summary>After each write: the checkpointer learns the pages it wrote, and the writer is free again.</summary>
    private void ReleaseWriter()
    {
        _checkpointer.Committed(TakeWrittenPages());
        _writerLock.Exit();
    }

    /// <summary>The pages the writer connection wrote since the last call (SQLite's own counter, reset by reading it).</summary>
    private long TakeWrittenPages()
    {
        SQLitePCL.raw.sqlite3_db_status(_writer.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, out var pages, out _, 1);
        return pages;
    }

    /// <summary>The single writer connection, under its lock: SQLite takes one writer at a time anyway.</summary>

    protected override StoreWrite BeginWrite()
    {
        _writerLock.Enter();
        try
        {
            return new StoreWrite(_writer, _writer.BeginTransaction(), ReleaseWriter, _kept.Get);
        }
        catch
        {
            _writerLock.Exit();
            throw;
        }
    }

    protected override string EventOrder => "rowid";

    protected override string InList(string column, string parameter) => $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    protected override object ListValue(IReadOnlyCollection<string> values) => JsonArray(values);

    protected override string Values(IReadOnlyList<string> columns) => $"VALUES ({string.Join(", ", columns.Select(n => "@" + n))})";

    protected override string Row(string column) => "@" + column;

    protected override string JoinRows(string keyword, IReadOnlyList<string> columns) => "";

    /// <summary>Prepared once, run per row: in process, a row costs no round trip.</summary>
    protected override int ExecuteRows(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        var affected = 0;
        foreach (var _ in Bind(command, columns, rows))
        {
            affected += command.ExecuteNonQuery();
        }
        return affected;
    }

    protected override void ReadRows(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows, Action<DbDataReader> read)
    {
        foreach (var _ in Bind(command, columns, rows))
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                read(reader);
            }
        }
    }

    /// <summary>Binds each row in turn to the command's parameters, yielding when it is bound.</summary>
    private static IEnumerable<object?[]> Bind(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        // Untyped parameters: each value binds as what it is (TEXT, INTEGER or BLOB).
        var parameters = columns.Select(name => ((SqliteCommand)command).Parameters.Add(new SqliteParameter { ParameterName = "@" + name })).ToArray();
        foreach (var row in rows)
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = row[i] ?? DBNull.Value;
            }
            yield return row;
        }
    }

    /// <summary>Asked per session as the plan reaches it: its last chained event, else the checkpoint a retention cut left, else genesis.</summary>
    /// <remarks>One statement for the batch, bound per session: each answer is two index lookups.</remarks>
    protected override Func<string, (long Seq, string Hash)> LastLinks(StoreWrite write, string[] sessions) => session =>
    {
        using var select = write.Command(LastLinkSql);
        Add(select, "s", session);
        using var reader = select.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (0, AuditChain.Genesis);
    };

    private const string LastLinkSql = """
        SELECT session_seq, hash FROM (
            SELECT session_seq, hash FROM events WHERE session_id = @s AND session_seq IS NOT NULL
            UNION ALL SELECT session_seq, hash FROM chain_checkpoints WHERE session_id = @s)
        ORDER BY session_seq DESC LIMIT 1;
        """;

    private static string JsonArray(IEnumerable<string> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void Dispose()
    {
        _checkpointer.Dispose();
        _kept.Dispose();
        _writer.Dispose();
    }
}
