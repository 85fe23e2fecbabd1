using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal;

/// <summary>
/// The SQLite file behind the audit trail, the sessions and the policy epochs. WAL mode with synchronous=FULL:
/// an event is acknowledged to the sidecar only after its transaction is on disk.
/// </summary>
internal sealed partial class SqliteStore : IAuditStore
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Lock _writerLock = new();

    public SqliteStore(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        DatabasePath = Path.Combine(dataDirectory, "hookline.db");
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

                INSERT INTO schema_version (version, applied_at_ms) VALUES ({next}, {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()});
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
    /// <returns>How many of the records were already stored (replays that changed nothing).</returns>
    public int WriteBatch(IReadOnlyList<AuditRecord> batch)
    {
        lock (_writerLock)
        {
            using var transaction = _writer.BeginTransaction();
            using var command = _writer.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = InsertSql;
            var parameters = EventColumns.Names.Select(name => command.Parameters.Add("$" + name, SqliteType.Text)).ToArray();
            var hasApplied = command.Parameters.Add("$has_applied", SqliteType.Integer);
            var values = new object?[EventColumns.Names.Length];
            var storedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var duplicates = 0;
            foreach (var record in batch)
            {
                EventColumns.Fill(record, storedAt, values);
                for (var i = 0; i < values.Length; i++)
                {
                    parameters[i].Value = values[i] ?? DBNull.Value;
                }
                hasApplied.Value = record.Event.Applied is null ? 0 : 1;
                if (command.ExecuteNonQuery() == 0)
                {
                    duplicates++;
                }
            }
            transaction.Commit();
            return duplicates;
        }
    }

    private static readonly string InsertSql = $"""
        INSERT INTO events ({string.Join(", ", EventColumns.Names)})
        VALUES ({string.Join(", ", EventColumns.Names.Select(n => "$" + n))})
        ON CONFLICT(event_id) DO UPDATE SET {string.Join(", ", EventColumns.Applied.Select(n => $"{n} = excluded.{n}"))}
        WHERE $has_applied = 1;
        """;

    public void Dispose() => _writer.Dispose();
}
