using Hookline.Server.Internal.Storage.Postgres;
using Npgsql;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Tokens in the PostgreSQL database the replicas share (table <c>tokens</c>, schema step 6): a token made or revoked
/// through any replica, or by <c>hookline token --postgres</c>, holds on every replica.
/// </summary>
internal sealed class PostgresTokenStore : ITokenStore
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

    public CreatedToken Create(string name, TokenScope scope, string? user, string? org, DateTimeOffset now, string createdBy)
    {
        TokenRules.Validate(name, user, org);
        var secret = Tokens.NewSecret();
        var id = TokenRules.NewId();
        using var connection = _store.Open();
        using var insert = new NpgsqlCommand("""
            INSERT INTO tokens (id, name, scope, user_name, org, hash, created_at_ms, created_by)
            VALUES (@id, @name, @scope, @user, @org, @hash, @now, @by);
            """, connection);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("name", name);
        insert.Parameters.AddWithValue("scope", Tokens.Name(scope));
        insert.Parameters.AddWithValue("user", user ?? "");
        insert.Parameters.AddWithValue("org", org ?? "");
        insert.Parameters.AddWithValue("hash", Tokens.Hash(secret));
        insert.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("by", createdBy);
        try
        {
            insert.ExecuteNonQuery();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw TokenRules.NameTaken(name);
        }
        return TokenRules.Created(id, name, scope, user, org, now, createdBy, secret);
    }

    public IReadOnlyList<TokenInfo> List()
    {
        using var connection = _store.Open();
        using var select = new NpgsqlCommand($"SELECT {TokenRules.InfoColumns} FROM tokens ORDER BY created_at_ms, id;", connection);
        using var reader = select.ExecuteReader();
        var tokens = new List<TokenInfo>();
        while (reader.Read())
        {
            tokens.Add(TokenRules.ReadInfo(reader));
        }
        return tokens;
    }

    public async ValueTask<TokenInfo?> RevokeAsync(string idOrName, DateTimeOffset now, string revokedBy, CancellationToken cancellation = default)
    {
        await using var connection = (NpgsqlConnection)await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var update = new NpgsqlCommand($"""
            UPDATE tokens SET revoked_at_ms = @now, revoked_by = @by WHERE revoked_at_ms IS NULL AND (id = @key OR name = @key)
            RETURNING {TokenRules.InfoColumns};
            """, connection);
        update.Parameters.AddWithValue("key", idOrName);
        update.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        update.Parameters.AddWithValue("by", revokedBy);
        await using var reader = await update.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        return await reader.ReadAsync(cancellation).ConfigureAwait(false) ? TokenRules.ReadInfo(reader) : null;
    }

    public async ValueTask<Caller?> AuthenticateAsync(string token, CancellationToken cancellation = default)
    {
        var hash = Tokens.Hash(token);
        await using var connection = (NpgsqlConnection)await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(
            "SELECT id, name, scope, user_name, org, hash FROM tokens WHERE hash = @hash AND revoked_at_ms IS NULL;", connection);
        select.Parameters.AddWithValue("hash", hash);
        await using var reader = await select.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        return await TokenRules.ReadCallerAsync(reader, hash, cancellation).ConfigureAwait(false);
    }

    public bool IsTransient(Exception exception) => _store.IsTransient(exception);

    public IReadOnlyList<string> Revoked(IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        using var connection = _store.Open();
        using var select = new NpgsqlCommand("SELECT id FROM tokens WHERE revoked_at_ms IS NOT NULL AND id = ANY(@ids);", connection);
        select.Parameters.AddWithValue("ids", ids.ToArray());
        using var reader = select.ExecuteReader();
        var revoked = new List<string>();
        while (reader.Read())
        {
            revoked.Add(reader.GetString(0));
        }
        return revoked;
    }

    public void Dispose()
    {
        if (_ownsStore)
        {
            _store.Dispose();
        }
    }
}
