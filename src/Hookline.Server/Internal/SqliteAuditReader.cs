using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal;

/// <summary>Reads a SQLite audit trail, read-only, while the server may be writing it.</summary>
internal sealed class SqliteAuditReader : AuditReader
{
    private readonly string _dataDirectory;

    public SqliteAuditReader(string dataDirectory) => _dataDirectory = dataDirectory;

    protected override string Text(string column) => $"CAST({column} AS TEXT)";

    protected override string StorageOrder => "rowid";

    protected override DbConnection Open() => OpenReadOnly(_dataDirectory);

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
