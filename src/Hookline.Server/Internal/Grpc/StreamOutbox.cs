using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Internal.Grpc;

/// <summary>
/// The single writer of one response stream. gRPC forbids concurrent writes, and decisions, acks, pongs and policy
/// pushes come from different threads, so everything queues here and one loop writes (the sidecar's request stream
/// has the same <see cref="SingleStreamWriter{T}"/>).
/// Storage acknowledgements are coalesced: the ids of stored events collect here and go as one StoredAck once
/// <see cref="MaxIdsPerAck"/> have collected, once nothing else of this stream waits for storage (a trickle is never
/// held back), or after the ack delay, whichever comes first. A refusal goes at once, with whatever had collected.
/// </summary>
internal sealed class StreamOutbox : IStoredAckSink
{
    /// <summary>Ids that make a StoredAck go at once (about 10 KB of message).</summary>
    internal const int MaxIdsPerAck = 256;

    private readonly SingleStreamWriter<ProcessHookEventResponse> _writer = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _ackDelay;
    private readonly Lock _lock = new();
    private StoredAck? _pending;
    private ITimer? _timer;
    private bool _timerArmed;
    private bool _completed;
    // Events of this stream handed to storage and not yet acknowledged.
    private int _storing;

    /// <param name="ackDelay">The longest a stored event's id waits for others to share its StoredAck; zero: never.</param>
    public StreamOutbox(TimeProvider time, TimeSpan ackDelay)
    {
        _time = time;
        _ackDelay = ackDelay;
    }

    /// <summary>
    /// For the stream's read loop (decisions, refusals, pongs): written on the caller's thread when the stream is idle,
    /// which saves waking the write loop for each decision; queued otherwise, waiting while the queue is full.
    /// </summary>
    public ValueTask SendAsync(ProcessHookEventResponse message, CancellationToken cancellationToken)
        => _writer.TryWriteNow(message) ? ValueTask.CompletedTask : _writer.SendAsync(message, cancellationToken);

    /// <summary>For callers that must not block (storage acks, policy pushes). Returns false when the stream is gone or full.</summary>
    public bool TrySend(ProcessHookEventResponse message) => _writer.TrySend(message);

    /// <summary>An event of this stream goes to storage: its ack is awaited, so acks that came before it may wait for it.</summary>
    public void Storing()
    {
        lock (_lock)
        {
            _storing++;
        }
    }

    /// <summary>Called once more for an event <see cref="Storing"/> announced that never reached storage.</summary>
    public void NotStoring() => Settled(1);

    public void Acknowledge(IReadOnlyList<AuditRecord> stored, IReadOnlyList<RejectedEvent> rejected)
    {
        StoredAck? ready;
        lock (_lock)
        {
            if (_completed)
            {
                // The stream has ended: nothing can be written. The sidecar still holds these events and resends them
                // on its next stream; storage dedups by event id, so they are stored once.
                return;
            }
            var ack = _pending ??= new StoredAck();
            foreach (var record in stored)
            {
                ack.EventIds.Add(record.Event.EventId);
                if (record.Event.Applied is not null)
                {
                    ack.AppliedEventIds.Add(record.Event.EventId);
                }
            }
            ack.Rejected.Add(rejected);
            _storing = Math.Max(0, _storing - stored.Count - rejected.Count);
            ready = rejected.Count > 0 || _storing == 0 || ack.EventIds.Count >= MaxIdsPerAck || _ackDelay <= TimeSpan.Zero
                ? TakePending()
                : ArmTimer();
        }
        Send(ready);
    }

    /// <summary>Tells the sidecar an event is refused for good, so that it drops it instead of resending it.</summary>
    public bool Reject(string eventId, string code, string reason)
    {
        StoredAck ack;
        lock (_lock)
        {
            ack = TakePending() ?? new StoredAck();
        }
        ack.Rejected.Add(new RejectedEvent { EventId = eventId, ReasonCode = code, Reason = reason });
        return TrySend(new ProcessHookEventResponse { StoredAck = ack });
    }

    /// <summary>No more messages: what acks have collected go first, then the loop writes what is queued and returns.</summary>
    public void Complete()
    {
        StoredAck? ready;
        lock (_lock)
        {
            ready = TakePending();
            _completed = true;
            _timer?.Dispose();
        }
        Send(ready);
        _writer.Complete();
    }

    /// <summary>Writes until <see cref="Complete"/>; a failed write cancels <paramref name="stream"/> and ends with its exception.</summary>
    public Task PumpAsync(IServerStreamWriter<ProcessHookEventResponse> writer, CancellationTokenSource stream)
        => _writer.RunAsync(writer, stream);

    private void Settled(int count)
    {
        StoredAck? ready = null;
        lock (_lock)
        {
            _storing = Math.Max(0, _storing - count);
            if (_storing == 0 && !_completed)
            {
                ready = TakePending();
            }
        }
        Send(ready);
    }

    private void Flush(object? state)
    {
        StoredAck? ready;
        lock (_lock)
        {
            _timerArmed = false;
            ready = _completed ? null : TakePending();
        }
        Send(ready);
    }

    // Under _lock.
    private StoredAck? TakePending()
    {
        var ack = _pending;
        _pending = null;
        return ack;
    }

    // Under _lock: the first id to wait starts the clock; later ones ride on it.
    private StoredAck? ArmTimer()
    {
        if (!_timerArmed)
        {
            _timer ??= _time.CreateTimer(Flush, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(_ackDelay, Timeout.InfiniteTimeSpan);
            _timerArmed = true;
        }
        return null;
    }

    private void Send(StoredAck? ack)
    {
        if (ack is not null)
        {
            // A full or closed outbox drops the ack: the sidecar still holds the events and resends them; storage dedups.
            TrySend(new ProcessHookEventResponse { StoredAck = ack });
        }
    }
}
