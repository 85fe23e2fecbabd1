using System.CommandLine;
using Hookline.Server;

namespace Hookline.Cli.Hosting;

/// <summary>The <c>--oidc-*</c> flags of <c>hookline server</c>: JWT bearer tokens from an OpenID Connect provider.</summary>
internal sealed class OidcFlags
{
    private readonly Option<string?> _issuer = new("--oidc-issuer") { Description = "Also accept JWTs whose iss is exactly this (with --oidc-audience and --oidc-jwks)" };
    private readonly Option<string?> _audience = new("--oidc-audience") { Description = "The aud a JWT must carry" };
    private readonly Option<string?> _jwks = new("--oidc-jwks") { Description = "The provider's signing keys: a JWKS file, or its https:// jwks_uri (read again every 5 minutes)" };
    private readonly Option<string> _userClaim = new("--oidc-user-claim")
    {
        Description = "Claims naming the user, comma-separated, first present wins",
        DefaultValueFactory = _ => "email,sub",
    };
    private readonly Option<string> _orgClaim = new("--oidc-org-claim") { Description = "The claim naming the org", DefaultValueFactory = _ => "org" };
    private readonly Option<string> _scopeClaim = new("--oidc-scope-claim")
    {
        Description = "The claim holding hookline:sidecar, hookline:read, hookline:admin or hookline:approve (space-separated or an array)",
        DefaultValueFactory = _ => "scope",
    };
    private readonly Option<string> _groupsClaim = new("--oidc-groups-claim")
    {
        Description = "The claim holding the user's groups (a string or an array), for approvals' by: [group:NAME]",
        DefaultValueFactory = _ => "groups",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _issuer, _audience, _jwks, _userClaim, _orgClaim, _scopeClaim, _groupsClaim })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Null when none of issuer, audience and JWKS is given; the server refuses to start when only some are.</summary>
    public OidcOptions? Parse(ParseResult parse)
    {
        var (issuer, audience, jwks) = (parse.GetValue(_issuer), parse.GetValue(_audience), parse.GetValue(_jwks));
        if (issuer is null && audience is null && jwks is null)
        {
            return null;
        }
        return new OidcOptions
        {
            Issuer = issuer ?? "",
            Audience = audience ?? "",
            Jwks = jwks ?? "",
            UserClaims = parse.GetValue(_userClaim)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            OrgClaim = parse.GetValue(_orgClaim)!,
            ScopeClaim = parse.GetValue(_scopeClaim)!,
            GroupsClaim = parse.GetValue(_groupsClaim)!,
        };
    }
}
