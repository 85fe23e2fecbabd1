using System.Data.Common;
using Hookline.Server.Internal.Storage;
using Npgsql;

namespace Hookline.Server.Internal.Storage.Postgres;

/// <summary>Reads a PostgreSQL audit trail.</summary>
internal sealed class PostgresAuditReader : AuditReader
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresAuditReader(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    protected override string Text(string column) => $"convert_from({column}, 'UTF8')";

    protected override string StorageOrder => "seq";

    protected override string SessionOrder => "seq";

    /// <summary>Array containment, which the GIN index of schema step 7 answers without reading every row.</summary>
    protected override string RuleCondition(DbCommand command, string ids, string rule)
    {
        Add(command, "rule", rule);
        return $"string_to_array({ids}, ',') @> ARRAY[@rule]";
    }

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellation)
        => await _dataSource.OpenConnectionAsync(cancellation).ConfigureAwait(false);
}
