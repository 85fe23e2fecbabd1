using System.Data.Common;
using static Hookline.Server.Internal.Storage.SqlParameters;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// The token statements, written once over DbCommand's API with <c>@</c> parameters. A subclass gives only the
/// connection, how a duplicate name shows, how the revoked ids are matched, and what is transient.
/// </summary>
/// <remarks>
/// Authenticate and revoke are awaited by requests: PostgreSQL answers without holding a thread; SQLite's commands
/// answer synchronously behind the same calls, on its one connection (in WAL mode a read never waits on the audit writer).
/// </remarks>
internal abstract class TokenStore : ITokenStore
{
    /// <summary>A connection for one statement, held until disposed.</summary>
    protected abstract Lease Connect();

    /// <inheritdoc cref="Connect"/>
    protected abstract ValueTask<Lease> ConnectAsync(CancellationToken cancellation);

    /// <summary>Whether an insert failed on the unique index of active names.</summary>
    protected abstract bool IsUniqueViolation(Exception exception);

    /// <summary>
    /// SQL added to the query of revoked ids to narrow it to list parameter <c>@ids</c>, with that parameter's value; or
    /// none, and the revoked ids are read whole (few: one row per token ever made) and filtered here.
    /// </summary>
    protected abstract (string Condition, object Value)? AmongIds(IReadOnlyCollection<string> ids);

    public abstract bool IsTransient(Exception exception);

    public abstract void Dispose();

    public CreatedToken Create(string name, TokenScope scope, string? user, string? org, DateTimeOffset now, string createdBy,
        IReadOnlyList<string>? groups = null)
    {
        TokenRules.Validate(name, user, org);
        var validGroups = TokenRules.ValidateGroups(groups);
        var secret = Tokens.NewSecret();
        var id = TokenRules.NewId();
        using var connection = Connect();
        using var insert = connection.Command("""
            INSERT INTO tokens (id, name, scope, user_name, org, hash, created_at_ms, created_by, groups)
            VALUES (@id, @name, @scope, @user, @org, @hash, @now, @by, @groups);
            """);
        Add(insert, "id", id);
        Add(insert, "name", name);
        Add(insert, "scope", Tokens.Name(scope));
        Add(insert, "user", user ?? "");
        Add(insert, "org", org ?? "");
        Add(insert, "hash", Tokens.Hash(secret));
        Add(insert, "now", now.ToUnixTimeMilliseconds());
        Add(insert, "by", createdBy);
        Add(insert, "groups", TokenRules.JoinGroups(validGroups));
        try
        {
            insert.ExecuteNonQuery();
        }
        catch (Exception ex) when (IsUniqueViolation(ex))
        {
            throw TokenRules.NameTaken(name);
        }
        return TokenRules.Created(id, name, scope, user, org, now, createdBy, secret, validGroups);
    }

    public IReadOnlyList<TokenInfo> List()
    {
        using var connection = Connect();
        using var select = connection.Command($"SELECT {TokenRules.InfoColumns} FROM tokens ORDER BY created_at_ms, id;");
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
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var update = connection.Command($"""
            UPDATE tokens SET revoked_at_ms = @now, revoked_by = @by WHERE revoked_at_ms IS NULL AND (id = @key OR name = @key)
            RETURNING {TokenRules.InfoColumns};
            """);
        Add(update, "key", idOrName);
        Add(update, "now", now.ToUnixTimeMilliseconds());
        Add(update, "by", revokedBy);
        await using var reader = await update.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        return await reader.ReadAsync(cancellation).ConfigureAwait(false) ? TokenRules.ReadInfo(reader) : null;
    }

    public async ValueTask<Caller?> AuthenticateAsync(string token, CancellationToken cancellation = default)
    {
        var hash = Tokens.Hash(token);
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var select = connection.Command(
            "SELECT id, name, scope, user_name, org, hash, groups FROM tokens WHERE hash = @hash AND revoked_at_ms IS NULL;");
        Add(select, "hash", hash);
        await using var reader = await select.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        return await TokenRules.ReadCallerAsync(reader, hash, cancellation).ConfigureAwait(false);
    }

    public IReadOnlyList<string> Revoked(IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        var wanted = new HashSet<string>(ids, StringComparer.Ordinal);
        var among = AmongIds(ids);
        using var connection = Connect();
        using var select = connection.Command($"SELECT id FROM tokens WHERE revoked_at_ms IS NOT NULL{among?.Condition};");
        if (among is { } narrowed)
        {
            Add(select, "ids", narrowed.Value);
        }
        using var reader = select.ExecuteReader();
        var revoked = new List<string>();
        while (reader.Read())
        {
            var id = reader.GetString(0);
            if (wanted.Contains(id))
            {
                revoked.Add(id);
            }
        }
        return revoked;
    }

    /// <summary>
    /// A connection lent for one statement: one the store owns (disposed at the end), or one it shares under a gate
    /// (the gate released at the end).
    /// </summary>
    protected sealed class Lease(DbConnection connection, SemaphoreSlim? gate) : IDisposable, IAsyncDisposable
    {
        public DbCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }

        public void Dispose()
        {
            if (gate is null)
            {
                connection.Dispose();
            }
            else
            {
                gate.Release();
            }
        }

        public ValueTask DisposeAsync()
        {
            if (gate is null)
            {
                return connection.DisposeAsync();
            }
            gate.Release();
            return ValueTask.CompletedTask;
        }
    }
}
