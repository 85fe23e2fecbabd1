namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Whom a session and its events belong to: the identity a credential proves (issuer, user, org), not the token id,
/// so that rotating a token, taking over a crashed session's spool or replaying orphans keeps working. A Hookline token
/// with neither user nor org proves no identity beyond itself: its principal is the token (<see cref="OfToken"/>), so
/// such tokens do not share one principal, and their sessions cannot move to a rotated token. With authentication off
/// every caller is the one local principal.
/// </summary>
internal sealed record Principal(string Issuer, string User, string Org)
{
    public const string HooklineIssuer = "hookline";

    /// <summary>The issuer of principals that are one Hookline token (a token made without --user and --org).</summary>
    public const string HooklineTokenIssuer = "hookline-token";

    /// <summary>Authentication off: the machine's one local principal.</summary>
    public static readonly Principal Local = new("local", "", "");

    public static Principal OfToken(string tokenId) => new(HooklineTokenIssuer, tokenId, "");

    /// <summary>One string for storage and dictionary keys; unit separators keep the parts apart.</summary>
    public string Key => $"{Issuer}\u001f{User}\u001f{Org}";

    public static Principal Parse(string key)
    {
        var parts = key.Split('\u001f');
        return parts.Length == 3 ? new Principal(parts[0], parts[1], parts[2]) : Local;
    }
}
