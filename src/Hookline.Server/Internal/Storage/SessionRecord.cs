using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;

namespace Hookline.Server.Internal.Storage;

internal sealed record SessionRecord(
    string SessionId,
    string Agent,
    string AgentSessionId,
    string Cwd,
    string User,
    SessionStatus Status,
    long CreatedAtMs,
    long LastSeenMs,
    long? EndedAtMs,
    SessionOwner Owner);

/// <summary>Who a stored session belongs to: the principal recorded when it was created.</summary>
/// <param name="PrincipalKey">
/// <see cref="Principal.Key"/>; null only for sessions of a JWT stored before principals were recorded (its issuer was
/// not kept): those belong to any authenticated caller with the stored user and org.
/// </param>
internal sealed record SessionOwner(string? PrincipalKey, bool Authenticated, string User, string Org)
{
    public bool Admits(Caller caller) => PrincipalKey is not null
        ? string.Equals(PrincipalKey, caller.Principal.Key, StringComparison.Ordinal)
        : caller.Authenticated && Authenticated
            && string.Equals(User, caller.User, StringComparison.Ordinal)
            && string.Equals(Org, caller.Org, StringComparison.Ordinal);
}
