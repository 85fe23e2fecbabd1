namespace Hookline.Server.Internal.Auth;

/// <summary>Who is calling: the token's identity, or an unauthenticated caller when authentication is off.</summary>
internal sealed record Caller(string? TokenId, string TokenName, TokenScope Scope, string User, string Org)
{
    /// <summary>With authentication off: anyone who reaches the endpoint may do anything.</summary>
    public static readonly Caller Unauthenticated = new(null, "", TokenScope.Admin, "", "");

    public bool Authenticated => TokenId is not null;

    /// <summary>admin implies read; sidecar stands alone, so a leaked sidecar token cannot read the audit trail.</summary>
    public bool Has(TokenScope scope) => !Authenticated || Scope == scope || (scope == TokenScope.Read && Scope == TokenScope.Admin);
}
