using Hookline.Server.Internal.Storage.Postgres;
using Npgsql;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Tokens in the PostgreSQL database the replicas share (table <c>tokens</c>, schema step 6): a token made or revoked
/// through any replica, or by <c>hookline token --postgres</c>, holds on every replica.
/// </summary>
internal sealed class PostgresTokenStore : TokenStore
{
    private readonly PostgresStore _store;
    private readonly bool _ownsStore;

    /// <param name="ownsStore">Dispose <paramref name="store"/> with this (the CLI); the server disposes its own.</param>
    public PostgresTokenStore(PostgresStore store, bool ownsStore)
    {
        _store = store;
        _ownsStore = ownsStore;
    }

    /// <summary>The token store of a database, migrated first (as a server would) so that the table exists.</summary>
    public static PostgresTokenStore Open(string connectionString) => new(new PostgresStore(connectionString), ownsStore: true);

    protected override Lease Connect() => new(_store.Open(), gate: null);

    protected override async ValueTask<Lease> ConnectAsync(CancellationToken cancellation)
        => new(await _store.OpenAsync(cancellation).ConfigureAwait(false), gate: null);

    protected override bool IsUniqueViolation(Exception exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>Matched in the database: the ids bind as one array.</summary>
    protected override (string Condition, object Value)? AmongIds(IReadOnlyCollection<string> ids) => (" AND id = ANY(@ids)", ids.ToArray());

    public override bool IsTransient(Exception exception) => _store.IsTransient(exception);

    public override void Dispose()
    {
        if (_ownsStore)
        {
            _store.Dispose();
        }
    }
}
