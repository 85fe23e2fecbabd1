using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Whether a caller may use a session: only the principal recorded when the session was created may. Every refusal
/// says the same, whoever owns the session, so that it tells nothing about the owner.
/// </summary>
internal sealed class SessionGate(IAuditStore store)
{
    public const string NotOwnedCode = "session_not_owned";
    public const string NotOwnedReason = "the session belongs to another principal";
    public const string InvalidIdCode = "invalid_id";

    public static RpcException NotOwned() => new(new Status(StatusCode.PermissionDenied, NotOwnedReason));

    /// <summary>
    /// Session and event ids are UUIDs in their one canonical form (lower case, 8-4-4-4-12) on every path; anything else
    /// is refused before it reaches storage. Storage compares ids as text, so an upper-case or braced copy of a stored
    /// id would otherwise pass as a different id (and past <c>event_id_taken</c>).
    /// </summary>
    public static bool IsUuid(string id) => Guid.TryParseExact(id, "D", out var uuid) && string.Equals(id, uuid.ToString("D"), StringComparison.Ordinal);

    public static void RequireUuid(string id, string field)
    {
        if (!IsUuid(id))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} must be a lower-case UUID (8-4-4-4-12)"));
        }
    }

    /// <summary>
    /// Whether <paramref name="caller"/> may add to the session. A session the server has not seen is created for the
    /// caller first: the events of a spool a crashed sidecar left behind may name a session it never got to create.
    /// </summary>
    public async ValueTask<bool> AdmitsAsync(Caller caller, string sessionId, string agent, string claimedUser, long nowMs,
        CancellationToken cancellation)
    {
        var session = await store.FindSessionAsync(sessionId, cancellation).ConfigureAwait(false)
            ?? (await store.CreateOrResumeSessionAsync(new CreateSessionRequest { Agent = agent }, sessionId, nowMs,
                SessionIdentity.Of(caller, claimedUser), cancellation).ConfigureAwait(false)).Session;
        return session.Owner.Admits(caller);
    }

    /// <summary>The session, when it exists and belongs to the caller; NotFound or PermissionDenied otherwise.</summary>
    public async ValueTask<SessionRecord> OwnedAsync(Caller caller, string sessionId, CancellationToken cancellation)
    {
        RequireUuid(sessionId, "session_id");
        var session = await store.FindSessionAsync(sessionId, cancellation).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "unknown session"));
        return session.Owner.Admits(caller) ? session : throw NotOwned();
    }
}
