namespace Hookline.Server.Internal.Auth;

/// <summary>
/// The stored tokens plus this run's in-memory credentials (<see cref="RunCredential"/>): those authenticate here and
/// nowhere else, are never written, and cannot be listed or revoked (they end with the process).
/// </summary>
internal sealed class RunCredentialStore(ITokenStore stored, IReadOnlyList<RunCredential> run) : ITokenStore
{
    /// <summary>Token ids of run credentials start so; stored ids start with <c>tok_</c>.</summary>
    public const string IdPrefix = "run:";

    public ValueTask<Caller?> AuthenticateAsync(string token, CancellationToken cancellation = default)
    {
        var hash = Tokens.Hash(token);
        foreach (var credential in run)
        {
            if (credential.Matches(hash))
            {
                // The OS user who started the run is who the credential speaks for.
                return ValueTask.FromResult<Caller?>(new Caller(IdPrefix + credential.Name, credential.Name, credential.Scope, Environment.UserName, ""));
            }
        }
        return stored.AuthenticateAsync(token, cancellation);
    }

    public CreatedToken Create(string name, TokenScope scope, string? user, string? org, DateTimeOffset now, string createdBy,
        IReadOnlyList<string>? groups = null)
        => stored.Create(name, scope, user, org, now, createdBy, groups);

    public IReadOnlyList<TokenInfo> List() => stored.List();

    public ValueTask<TokenInfo?> RevokeAsync(string idOrName, DateTimeOffset now, string revokedBy, CancellationToken cancellation = default)
        => stored.RevokeAsync(idOrName, now, revokedBy, cancellation);

    public IReadOnlyList<string> Revoked(IReadOnlyCollection<string> ids)
        => stored.Revoked(ids.Where(id => !id.StartsWith(IdPrefix, StringComparison.Ordinal)).ToList());

    public bool IsTransient(Exception exception) => stored.IsTransient(exception);

    public void Dispose() => stored.Dispose();
}
