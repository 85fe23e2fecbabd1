namespace Hookline.Server;

/// <summary>
/// Accept JWT bearer tokens from an OpenID Connect provider beside Hookline's own tokens: signed by a key of the JWKS,
/// issued by <see cref="Issuer"/> for <see cref="Audience"/>, and not expired.
/// </summary>
public sealed class OidcOptions
{
    /// <summary>The exact <c>iss</c> the tokens must carry.</summary>
    public required string Issuer { get; init; }

    /// <summary>An <c>aud</c> the tokens must carry.</summary>
    public required string Audience { get; init; }

    /// <summary>The signing keys: a JWKS file, or an <c>https://</c> URL (the provider's <c>jwks_uri</c>); read again every <see cref="JwksRefresh"/>.</summary>
    public required string Jwks { get; init; }

    /// <summary>Claims that name the user, first present wins.</summary>
    public IReadOnlyList<string> UserClaims { get; init; } = ["email", "sub"];

    /// <summary>The claim that names the user's organisation (the policy's <c>org</c> field).</summary>
    public string OrgClaim { get; init; } = "org";

    /// <summary>
    /// The claim holding the scopes (space-separated, or an array): <c>hookline:sidecar</c>, <c>hookline:read</c>,
    /// <c>hookline:admin</c>, <c>hookline:approve</c>. A token with none of them is authenticated but may do nothing.
    /// </summary>
    public string ScopeClaim { get; init; } = "scope";

    /// <summary>
    /// The claim holding the user's groups (a string or an array), for approvals' <c>by: [group:NAME]</c>. At most
    /// 256 groups of at most 256 characters each: a JWT with more is refused.
    /// </summary>
    public string GroupsClaim { get; init; } = "groups";

    public TimeSpan JwksRefresh { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Tolerance for clocks that disagree, on <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The prefix of Hookline's scopes in <see cref="ScopeClaim"/>.</summary>
    public const string ScopePrefix = "hookline:";
}
