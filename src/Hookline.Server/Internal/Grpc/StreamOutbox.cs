using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Internal.Grpc;

/// <summary>
/// The single writer of one response stream. gRPC forbids concurrent writes, and decisions, acks, pongs and policy
/// pushes come from different threads, so everything queues here and one loop writes (the sidecar's request stream
/// has the same <see cref="SingleStreamWriter{T}"/>).
/// </summary>
internal sealed class StreamOutbox : IStoredAckSink
{
    private readonly SingleStreamWriter<ProcessHookEventResponse> _writer = new();

    public ValueTask SendAsync(ProcessHookEventResponse message, CancellationToken cancellationToken)
        => _writer.SendAsync(message, cancellationToken);

    /// <summary>For callers that must not block (storage acks, policy pushes). Returns false when the stream is gone or full.</summary>
    public bool TrySend(ProcessHookEventResponse message) => _writer.TrySend(message);

    public void Acknowledge(IReadOnlyList<AuditRecord> stored, IReadOnlyList<RejectedEvent> rejected)
    {
        var ack = new StoredAck { Rejected = { rejected } };
        foreach (var record in stored)
        {
            ack.EventIds.Add(record.Event.EventId);
            if (record.Event.Applied is not null)
            {
                ack.AppliedEventIds.Add(record.Event.EventId);
            }
        }
        // A full or closed outbox drops the ack: the sidecar still holds the events and resends them; storage dedups.
        TrySend(new ProcessHookEventResponse { StoredAck = ack });
    }

    /// <summary>Tells the sidecar an event is refused for good, so that it drops it instead of resending it.</summary>
    public bool Reject(string eventId, string code, string reason) => TrySend(new ProcessHookEventResponse
    {
        StoredAck = new StoredAck { Rejected = { new RejectedEvent { EventId = eventId, ReasonCode = code, Reason = reason } } },
    });

    public void Complete() => _writer.Complete();

    /// <summary>Writes until <see cref="Complete"/>; a failed write cancels <paramref name="stream"/> and ends with its exception.</summary>
    public Task PumpAsync(IServerStreamWriter<ProcessHookEventResponse> writer, CancellationTokenSource stream)
        => _writer.RunAsync(writer, stream);
}
