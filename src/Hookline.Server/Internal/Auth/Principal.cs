namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Whom a session and its events belong to: the identity a credential proves (issuer, user, org), not the token id,
/// so that rotating a token, taking over a crashed session's spool or replaying orphans keeps working. With
/// authentication off every caller is the one local principal.
/// </summary>
internal sealed record Principal(string Issuer, string User, string Org)
{
    public const string HooklineIssuer = "hookline";

    /// <summary>Authentication off: the machine's one local principal.</summary>
    public static readonly Principal Local = new("local", "", "");

    /// <summary>One string for storage and dictionary keys; unit separators keep the parts apart.</summary>
    public string Key => $"{Issuer}\u001f{User}\u001f{Org}";

    public static Principal Parse(string key)
    {
        var parts = key.Split('\u001f');
        return parts.Length == 3 ? new Principal(parts[0], parts[1], parts[2]) : Local;
    }
}
