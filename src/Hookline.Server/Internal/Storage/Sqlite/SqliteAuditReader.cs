using System.Data.Common;
using Hookline.Server.Internal.Storage;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

/// <summary>Reads a SQLite audit trail, read-only, while the server may be writing it.</summary>
internal sealed class SqliteAuditReader : AuditReader
{
    private readonly string _dataDirectory;

    public SqliteAuditReader(string dataDirectory) => _dataDirectory = dataDirectory;

    protected override string Text(string column) => $"CAST({column} AS TEXT)";

    protected override string StorageOrder => "rowid";

    protected override string SessionOrder => "rowid";

    /// <summary>Indexes the read API needs; idempotent, run once by the server at start.</summary>
    public const string IndexesSql = """
        CREATE INDEX IF NOT EXISTS events_applied_time ON events(applied_verdict, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_agent_time ON events(agent, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_tool_time ON events(tool_name, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_source_time ON events(applied_source, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_rules ON events(applied_rule_ids, event_time_ms);
        CREATE INDEX IF NOT EXISTS sessions_created ON sessions(created_at_ms);
        CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_name);
        CREATE INDEX IF NOT EXISTS events_org_time ON events(org, event_time_ms);
        """;

    // Synchronous behind the awaitable signature: a read-only WAL reader opens a local file and never waits on the writer.
    protected override ValueTask<DbConnection> OpenAsync(CancellationToken cancellation) => ValueTask.FromResult<DbConnection>(OpenReadOnly(_dataDirectory));

    /// <summary>A read-only connection to the audit trail in <paramref name="dataDirectory"/>; it must exist.</summary>
    internal static SqliteConnection OpenReadOnly(string dataDirectory)
    {
        var path = AuditTrail.DatabasePath(dataDirectory);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no audit trail there", path);
        }
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        return connection;
    }
}
