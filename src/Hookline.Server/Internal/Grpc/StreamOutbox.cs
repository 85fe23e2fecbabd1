using System.Threading.Channels;
using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Internal.Grpc;

/// <summary>
/// The single writer of one response stream. gRPC forbids concurrent writes, and decisions, acks, pongs and policy
/// pushes come from different threads, so everything queues here and one loop writes.
/// </summary>
internal sealed class StreamOutbox : IStoredAckSink
{
    private readonly Channel<ProcessHookEventResponse> _queue = Channel.CreateBounded<ProcessHookEventResponse>(
        new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ValueTask SendAsync(ProcessHookEventResponse message, CancellationToken cancellationToken)
        => _queue.Writer.TryWrite(message) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(message, cancellationToken);

    /// <summary>For callers that must not block (storage acks, policy pushes). Returns false when the stream is gone or full.</summary>
    public bool TrySend(ProcessHookEventResponse message) => _queue.Writer.TryWrite(message);

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

    public void Complete() => _queue.Writer.TryComplete();

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    public async Task PumpAsync(IServerStreamWriter<ProcessHookEventResponse> writer, CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                // Buffer while more is queued and flush with the last: one socket write for a burst, not one each.
                writer.WriteOptions = reader.TryPeek(out _) ? Buffered : null;
                await writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
