using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Auth;

/// <summary>Tokens in the server's SQLite file, table <c>tokens</c> (created here if missing, so older files gain it).</summary>
internal sealed class SqliteTokenStore : TokenStore
{
    private readonly SqliteConnection _connection;
    // One connection, one statement at a time. A semaphore, not a lock: the lease is held across awaits (which
    // complete at once on SQLite), and a caller that must wait for it waits without a thread.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public SqliteTokenStore(string databasePath)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        }.ToString());
        _connection.Open();
        Execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;
            CREATE TABLE IF NOT EXISTS tokens (
                id            TEXT PRIMARY KEY,
                name          TEXT NOT NULL,
                scope         TEXT NOT NULL,
                user_name     TEXT NOT NULL DEFAULT '',
                org           TEXT NOT NULL DEFAULT '',
                hash          BLOB NOT NULL UNIQUE,
                created_at_ms INTEGER NOT NULL,
                revoked_at_ms INTEGER
            );
            CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens(name) WHERE revoked_at_ms IS NULL;
            """);
        AddAttributionColumns();
        AddGroupsColumn();
    }

    /// <summary>Files made before attribution gain who created and who revoked each token.</summary>
    private void AddAttributionColumns()
    {
        if (!HasColumn("created_by"))
        {
            Execute("""
                ALTER TABLE tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
                ALTER TABLE tokens ADD COLUMN revoked_by TEXT;
                """);
        }
    }

    /// <summary>
    /// Files made before approvals gain the groups of each token (comma-separated). Here, like the columns above, and
    /// not in SqliteSchema: this store makes its own table, and <c>hookline token --data</c> opens it without the audit
    /// store's migrations.
    /// </summary>
    private void AddGroupsColumn()
    {
        if (!HasColumn("groups"))
        {
            Execute("ALTER TABLE tokens ADD COLUMN groups TEXT NOT NULL DEFAULT '';");
        }
    }

    private bool HasColumn(string name)
    {
        using var columns = _connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('tokens') WHERE name = @name;";
        columns.Parameters.AddWithValue("@name", name);
        return (long)columns.ExecuteScalar()! > 0;
    }

    /// <summary>The token store of a server's data directory (<c>hookline.db</c>), created when missing.</summary>
    public static SqliteTokenStore ForDataDirectory(string dataDirectory)
    {
        var path = AuditTrail.DatabasePath(dataDirectory);
        Core.PrivateFiles.CreateDirectory(dataDirectory);
        Core.PrivateFiles.CreateFile(path);
        return new SqliteTokenStore(path);
    }

    protected override Lease Connect()
    {
        _gate.Wait();
        return new(_connection, _gate);
    }

    protected override async ValueTask<Lease> ConnectAsync(CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        return new(_connection, _gate);
    }

    /// <summary>SQLITE_CONSTRAINT: the unique index of active names (or of hashes, which never repeat).</summary>
    protected override bool IsUniqueViolation(Exception exception) => exception is SqliteException { SqliteErrorCode: 19 };

    /// <summary>None: the table is small (one row per token ever made), so reading the revoked ids beats binding a list.</summary>
    protected override (string Condition, object Value)? AmongIds(IReadOnlyCollection<string> ids) => null;

    public override bool IsTransient(Exception exception) => exception is SqliteException or IOException;

    public override void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
