using System.Text;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Who did an admin action (policy apply, token create, token revoke), as recorded beside it: the credential that
/// authenticated the request (token id, name, user, org), never what the client says about itself. A client's own
/// name is kept only as <c>claimed: NAME</c>, after the authenticated part.
/// </summary>
internal static class Attribution
{
    private const int MaxClaimedLength = 64;
    private const int MaxIdentityLength = 256;

    /// <summary>
    /// E.g. <c>token tok_1a2b3c (name ci-admin, user alice, org acme); claimed: alice</c>, or with authentication
    /// off <c>unauthenticated (auth off, loopback)</c>: then nobody vouched for anything.
    /// </summary>
    public static string Of(Caller caller, string? claimed)
    {
        var text = new StringBuilder();
        if (caller.Authenticated)
        {
            // A token's name and a JWT's claims are text someone chose: cleaned like a claim, so none can forge the shape.
            text.Append("token ").Append(Clean(caller.TokenId, MaxIdentityLength)).Append(" (name ").Append(Clean(caller.TokenName, MaxIdentityLength));
            if (caller.User.Length > 0)
            {
                text.Append(", user ").Append(Clean(caller.User, MaxIdentityLength));
            }
            if (caller.Org.Length > 0)
            {
                text.Append(", org ").Append(Clean(caller.Org, MaxIdentityLength));
            }
            text.Append(')');
        }
        else
        {
            text.Append("unauthenticated (auth off, loopback)");
        }
        var claim = Clean(claimed);
        if (claim.Length > 0)
        {
            text.Append("; claimed: ").Append(claim);
        }
        return text.ToString();
    }

    /// <summary>
    /// <c>hookline token --data/--postgres</c>: whoever can write the database file or reach PostgreSQL with its
    /// password; the OS user running the command is what is known about them.
    /// </summary>
    public static string LocalCommand() => $"local command (os user {Clean(Environment.UserName)})";

    /// <summary>Text that cannot forge another record's shape: printable, without <c>;()</c>, at most 64 characters for a claim.</summary>
    private static string Clean(string? claimed) => Clean(claimed, MaxClaimedLength);

    private static string Clean(string? claimed, int maxLength)
    {
        if (string.IsNullOrEmpty(claimed))
        {
            return "";
        }
        var kept = new StringBuilder(Math.Min(claimed.Length, maxLength));
        foreach (var c in claimed)
        {
            if (kept.Length == maxLength)
            {
                break;
            }
            kept.Append(char.IsControl(c) || c is ';' or '(' or ')' ? '?' : c);
        }
        return kept.ToString().Trim();
    }
}
