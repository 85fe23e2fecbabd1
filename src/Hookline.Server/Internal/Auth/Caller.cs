namespace Hookline.Server.Internal.Auth;

/// <summary>Who is calling: the identity of the token (or JWT), or an unauthenticated caller when authentication is off.</summary>
internal sealed record Caller(string? TokenId, string TokenName, TokenScope Scope, string User, string Org)
{
    /// <summary>With authentication off: anyone who reaches the endpoint may do anything.</summary>
    public static readonly Caller Unauthenticated = new(null, "", TokenScope.Admin, "", "");

    public bool Authenticated => TokenId is not null;

    /// <summary>A credential of this run (<see cref="RunCredentialStore"/>), which speaks for the OS user who started it.</summary>
    public bool IsRunCredential => TokenId?.StartsWith(RunCredentialStore.IdPrefix, StringComparison.Ordinal) == true;

    /// <summary>Every scope granted: a Hookline token has one; a JWT may carry several, or none.</summary>
    public IReadOnlyCollection<TokenScope> Granted { get; init; } = [Scope];

    /// <summary>The groups the credential puts its user in (a Hookline token's <c>--group</c>, the OIDC groups claim): approvals' <c>by: [group:NAME]</c>.</summary>
    public IReadOnlyCollection<string> Groups { get; init; } = [];

    /// <summary>Who issued the credential: <see cref="Principal.HooklineIssuer"/> for Hookline tokens, the JWT's <c>iss</c>.</summary>
    public string Issuer { get; init; } = Principal.HooklineIssuer;

    /// <summary>
    /// The owner of what this caller creates; with authentication off, the one local principal. A Hookline token with
    /// neither user nor org is its own principal: otherwise every such token would share ("hookline", "", "") and so
    /// each other's sessions.
    /// </summary>
    public Principal Principal => !Authenticated ? Principal.Local
        : Issuer == Principal.HooklineIssuer && User.Length == 0 && Org.Length == 0 ? Principal.OfToken(TokenId!)
        : new Principal(Issuer, User, Org);

    /// <summary>When the credential stops being valid (a JWT's <c>exp</c>): its streams close then. Null: never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>
    /// admin implies read; sidecar stands alone, so a leaked sidecar token cannot read the audit trail; approve stands
    /// alone too (admin does not imply it, and it reads nothing but approvals).
    /// </summary>
    public bool Has(TokenScope scope)
        => !Authenticated || Granted.Contains(scope) || (scope == TokenScope.Read && Granted.Contains(TokenScope.Admin));
}
