using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// What the server keeps: the audit trail of events, the sessions and the policy epochs. SQLite for one server,
/// PostgreSQL for several replicas on one database. Implementations are thread-safe.
/// </summary>
internal interface IAuditStore : IDisposable
{
    /// <summary>Where the data lives, for the log: a file path, or the PostgreSQL host and database.</summary>
    string Location { get; }

    /// <summary>Reads the audit trail this store writes.</summary>
    IAuditReader Reader { get; }

    /// <summary>
    /// Stores a batch in one transaction and returns once it is committed. A replayed event id is stored once; a
    /// later message for the same id and session may only fill in the decision the sidecar applied, once. An event id
    /// stored under another session, or a different applied decision, is refused (see <see cref="BatchPlan"/>).
    /// </summary>
    /// <param name="storedAtMs">The time recorded as stored_at, from the server's clock.</param>
    /// <remarks>
    /// <paramref name="states"/> are the policy memories of sessions that changed, stored in the same transaction (so an
    /// acknowledged event's effect on its session is stored too), each merged with what is stored already.
    /// </remarks>
    /// <param name="latencies">Latencies sidecars reported for stored remote decisions, written in the same transaction.</param>
    /// <returns>How many of the records were already stored (replays that changed nothing), and which were refused.</returns>
    BatchOutcome WriteBatch(IReadOnlyList<AuditRecord> batch, long storedAtMs, IReadOnlyList<SessionStateWrite>? states = null,
        IReadOnlyList<ReportedLatency>? latencies = null);

    /// <summary>Whether a failed write is worth retrying (a busy database, a dropped connection).</summary>
    bool IsTransient(Exception exception);

    /// <summary>
    /// Returns the epoch for a policy document being put in force. A document identical to the one in force keeps
    /// its epoch (a restart is not a change); any other document, an old one included, gets the next epoch.
    /// </summary>
    ulong AcceptPolicy(string hash, string document, string source, long nowMs);

    // What requests and decisions wait on: awaited, never a blocked thread (PostgreSQL answers over the network;
    // SQLite answers synchronously behind the same signatures, its reads never wait on the writer).

    /// <summary>Creates the session, or returns the existing one unchanged when the id is known.</summary>
    ValueTask<(SessionRecord Session, bool Resumed)> CreateOrResumeSessionAsync(CreateSessionRequest request, string sessionId,
        long nowMs, SessionIdentity identity, CancellationToken cancellation = default);

    /// <summary>Records that the session is alive. An ended session stays ended; a disconnected one becomes active again.</summary>
    ValueTask<SessionRecord?> TouchAsync(string sessionId, long nowMs, CancellationToken cancellation = default);

    ValueTask<SessionRecord?> EndSessionAsync(string sessionId, long nowMs, CancellationToken cancellation = default);

    ValueTask<SessionRecord?> FindSessionAsync(string sessionId, CancellationToken cancellation = default);

    /// <summary>
    /// The stored policy memory of a session (rate hits, taints, denials), or null when none is stored.
    /// <see cref="FormatException"/> when what is stored cannot be read.
    /// </summary>
    ValueTask<Policy.PolicySessionMemory?> LoadSessionStateAsync(string sessionId, CancellationToken cancellation = default);

    /// <summary>Marks active sessions not seen since <paramref name="cutoffMs"/> and not in <paramref name="connected"/> as disconnected.</summary>
    int MarkSilentSessionsDisconnected(long cutoffMs, IReadOnlySet<string> connected);

    /// <summary>
    /// Deletes up to about <paramref name="max"/> of the oldest events stored before <paramref name="cutoffMs"/>, in one
    /// short transaction. Only a prefix of a session's chain goes, and the last deleted link becomes the session's
    /// checkpoint, from which the verifier continues, stamped <paramref name="nowMs"/>. Returns how many events were
    /// deleted (0: nothing left to cut).
    /// </summary>
    int Prune(long cutoffMs, long nowMs, int max);
}

/// <summary>A session's policy memory to store with a batch.</summary>
internal sealed record SessionStateWrite(string SessionId, Policy.PolicySessionMemory Memory);
