using Hookline.Contracts.V1;

namespace Hookline.Server.Internal.Storage;

/// <summary>One event and the server's decision on it, waiting to be stored.</summary>
/// <param name="Decision">Null for events that do not ask for a decision.</param>
/// <param name="Ack">Told once the record is durable; null for unary calls.</param>
internal sealed record AuditRecord(HookEvent Event, Decision? Decision, long ReceivedAtUnixMs, IStoredAckSink? Ack)
{
    /// <summary>The event's user and org come from a token (else the sidecar only claimed them).</summary>
    public bool Authenticated { get; init; }

    /// <summary>The event is the marked stand-in of one that could not be stored as it came (<see cref="Core.UnstorableEvent"/>).</summary>
    public bool Marked { get; init; }
}

/// <summary>Receives the ids of events that are now durably stored, and of those refused for good.</summary>
internal interface IStoredAckSink
{
    void Acknowledge(IReadOnlyList<AuditRecord> stored, IReadOnlyList<RejectedEvent> rejected);
}
