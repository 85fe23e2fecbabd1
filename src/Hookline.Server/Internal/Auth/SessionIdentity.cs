using Hookline.Server.Internal.Auth;

namespace Hookline.Server.Internal.Auth;

/// <summary>Who a session belongs to, as stored with it and told to its sidecar.</summary>
internal sealed record SessionIdentity(string User, string Org, bool Authenticated, string? TokenId)
{
    /// <summary>The owner a new session records: only this principal may use the session afterwards.</summary>
    public Principal Principal { get; init; } = Principal.Local;

    /// <param name="claimedUser">The OS user the sidecar names: used only when there is no token to go by.</param>
    public static SessionIdentity Of(Caller caller, string claimedUser) => caller.Authenticated
        ? new SessionIdentity(caller.User, caller.Org, true, caller.TokenId) { Principal = caller.Principal }
        : new SessionIdentity(claimedUser, "", false, null);
}
