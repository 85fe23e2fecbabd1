using Hookline.Server.Internal.Storage;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

/// <summary>
/// The SQLite file behind the audit trail, the sessions and the policy epochs. WAL mode with synchronous=FULL:
/// an event is acknowledged to the sidecar only after its transaction is on disk.
/// </summary>
internal sealed partial class SqliteStore : IAuditStore
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Lock _writerLock = new();
    private readonly TimeProvider _time;

    /// <param name="time">The server's clock, for the times a row is written at; the system clock when null (local commands).</param>
    public SqliteStore(string dataDirectory, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
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
        Migrate();
    }

    public string DatabasePath { get; }

    /// <summary>The data directory or the database let other users in when opened: worth a warning, not a change.</summary>
    public IReadOnlyList<string> ModeWarnings { get; }

    public string Location => DatabasePath;

    public IAuditReader Reader { get; }

    public bool IsTransient(Exception exception) => exception is SqliteException or IOException;

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private void Migrate()
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
        SchemaMigrations.Check(version, SqliteSchema.Steps.Count, DatabasePath);
        for (var next = version + 1; next <= SqliteSchema.Steps.Count; next++)
        {
            using var transaction = _writer.BeginTransaction();
            command.Transaction = transaction;
            command.CommandText = SqliteSchema.Steps[next - 1] + $"""

                INSERT INTO schema_version (version, applied_at_ms) VALUES ({next}, {_time.GetUtcNow().ToUnixTimeMilliseconds()});
                PRAGMA user_version = {next};
                """;
            command.ExecuteNonQuery();
            transaction.Commit();
            command.Transaction = null;
        }
    }

    /// <summary>
    /// Stores a batch in one transaction. A replayed event id is stored once; a later message for the same id may
    /// only fill in the decision the sidecar applied (for example after a budget miss).
    /// </summary>
    /// <returns>How many of the records were already stored (replays that changed nothing), and which were refused.</returns>
    public BatchOutcome WriteBatch(IReadOnlyList<AuditRecord> batch, long storedAtMs, IReadOnlyList<SessionStateWrite>? states = null)
    {
        lock (_writerLock)
        {
            using var transaction = _writer.BeginTransaction();
            var stored = StoredHashes(transaction, batch);
            var plan = BatchPlan.Create(batch, storedAtMs, stored, session => LastLink(transaction, session));
            Insert(transaction, plan.Inserts);
            UpdateApplied(transaction, plan.Updates);
            SaveStates(transaction, states);
            transaction.Commit();
            return plan.Outcome;
        }
    }

    private Dictionary<string, StoredEvent> StoredHashes(SqliteTransaction transaction, IReadOnlyList<AuditRecord> batch)
    {
        using var select = _writer.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"SELECT {StoredEvents.Columns} FROM events WHERE event_id IN (SELECT value FROM json_each($ids));";
        select.Parameters.AddWithValue("$ids", JsonArray(batch.Select(r => r.Event.EventId)));
        using var reader = select.ExecuteReader();
        return StoredEvents.Read(reader);
    }

    /// <summary>The newest link of a session: its last chained event, else the checkpoint a retention cut left, else genesis.</summary>
    private (long Seq, string Hash) LastLink(SqliteTransaction transaction, string sessionId)
    {
        using var select = _writer.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = """
            SELECT session_seq, hash FROM (
                SELECT session_seq, hash FROM events WHERE session_id = $s AND session_seq IS NOT NULL
                UNION ALL SELECT session_seq, hash FROM chain_checkpoints WHERE session_id = $s)
            ORDER BY session_seq DESC LIMIT 1;
            """;
        select.Parameters.AddWithValue("$s", sessionId);
        using var reader = select.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (0, AuditChain.Genesis);
    }

    private void Insert(SqliteTransaction transaction, List<PlannedInsert> inserts)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertSql;
        // Untyped parameters: each value binds as what it is (TEXT, INTEGER or BLOB).
        var parameters = InsertColumns.Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = "$" + name })).ToArray();
        foreach (var insert in inserts)
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = insert.Values[i] ?? DBNull.Value;
            }
            command.ExecuteNonQuery();
        }
    }

    private void UpdateApplied(SqliteTransaction transaction, List<PlannedUpdate> updates)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            UPDATE events SET {string.Join(", ", EventColumns.Applied.Select(n => $"{n} = ${n}"))}, applied_hash = $applied_hash
            WHERE event_id = $event_id;
            """;
        var id = command.Parameters.Add(new SqliteParameter { ParameterName = "$event_id" });
        var hash = command.Parameters.Add(new SqliteParameter { ParameterName = "$applied_hash" });
        var applied = AuditChain.AppliedIndexes
            .Select(i => (Index: i, Parameter: command.Parameters.Add(new SqliteParameter { ParameterName = "$" + EventColumns.Names[i] })))
            .ToArray();
        foreach (var update in updates)
        {
            id.Value = update.EventId;
            hash.Value = update.AppliedHash;
            foreach (var (index, parameter) in applied)
            {
                parameter.Value = update.Values[index] ?? DBNull.Value;
            }
            command.ExecuteNonQuery();
        }
    }

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

    private static readonly string[] InsertColumns = [.. EventColumns.Names, .. AuditChain.Columns];

    private static readonly string InsertSql = $"""
        INSERT INTO events ({string.Join(", ", InsertColumns)})
        VALUES ({string.Join(", ", InsertColumns.Select(n => "$" + n))})
        ON CONFLICT(event_id) DO NOTHING;
        """;

    public void Dispose() => _writer.Dispose();
}
