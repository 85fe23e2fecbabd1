using System.Data.Common;
using Npgsql;

namespace Hookline.Server.Internal;

/// <summary>Reads a PostgreSQL audit trail.</summary>
internal sealed class PostgresAuditReader : AuditReader
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresAuditReader(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    protected override string Text(string column) => $"convert_from({column}, 'UTF8')";

    protected override string StorageOrder => "seq";

    protected override string SessionOrder => "seq";

    protected override DbConnection Open() => _dataSource.OpenConnection();
}
