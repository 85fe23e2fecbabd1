namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Where tokens live: the SQLite file under --data, or the PostgreSQL database of --postgres. Only a hash of each secret is kept.
/// </summary>
internal interface ITokenStore : IDisposable
{
    /// <param name="createdBy">Who asked for it (<see cref="Attribution"/>), stored with the token.</param>
    /// <param name="groups">The groups its user is in (<see cref="TokenRules.ValidateGroups"/>), put in <see cref="Caller.Groups"/>.</param>
    CreatedToken Create(string name, TokenScope scope, string? user, string? org, DateTimeOffset now, string createdBy,
        IReadOnlyList<string>? groups = null);

    IReadOnlyList<TokenInfo> List();

    /// <summary>Revokes the active token with this id or name; null when there is none.</summary>
    ValueTask<TokenInfo?> RevokeAsync(string idOrName, DateTimeOffset now, string revokedBy, CancellationToken cancellation = default);

    /// <summary>The caller a presented token stands for, or null when it is unknown or revoked. Awaited by every request.</summary>
    ValueTask<Caller?> AuthenticateAsync(string token, CancellationToken cancellation = default);

    /// <summary>Of <paramref name="ids"/>, those revoked by now (perhaps by another process on the same database).</summary>
    IReadOnlyList<string> Revoked(IReadOnlyCollection<string> ids);

    /// <summary>Whether a failure of this store is the database being unreachable or busy (worth a retry).</summary>
    bool IsTransient(Exception exception);
}
