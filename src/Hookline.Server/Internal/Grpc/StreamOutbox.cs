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
/// <see cref="MaxIdsPerAck"/> have collected, or once nothing else of this stream waits for storage and the stream's
/// last ack went at least the ack delay ago (after a quiet spell an ack goes at once: a trickle is never held back),
/// or once the first id collected has waited the ack delay, whichever comes first. A busy stream so gets about one
/// StoredAck per ack delay however fast storage is, and no id waits longer than the delay. A refusal goes at once, with
/// whatever had collected; so does the stream's end.
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
    // When the first id of _pending collected, and when the last ack that waited its turn went (timestamps of _time).
    private long _pendingSince;
    private long _lastAckAt;
    private bool _ackedBefore;
    private ITimer? _timer;
    // When the armed timer fires (a timestamp of _time); null: not armed. A timer that fires early finds nothing due and re-arms.
    private long? _timerAt;
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
            if (_pending is null)
            {
                _pending = new StoredAck();
                _pendingSince = _time.GetTimestamp();
            }
            var ack = _pending;
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
            ready = rejected.Count > 0 || ack.EventIds.Count >= MaxIdsPerAck ? TakePending() : TakeIfDue();
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
            if (!_completed)
            {
                ready = TakeIfDue();
            }
        }
        Send(ready);
    }

    private void Flush(object? state)
    {
        StoredAck? ready;
        lock (_lock)
        {
            _timerAt = null;
            ready = _completed ? null : TakeIfDue();
        }
        Send(ready);
    }

    // Under _lock: the collected ack if its time has come, else null with the timer set for when it will.
    private StoredAck? TakeIfDue()
    {
        if (_pending is null)
        {
            return null;
        }
        var now = _time.GetTimestamp();
        var waited = _time.GetElapsedTime(_pendingSince, now);
        var sinceLastAck = _ackedBefore ? _time.GetElapsedTime(_lastAckAt, now) : TimeSpan.MaxValue;
        if (_ackDelay <= TimeSpan.Zero || waited >= _ackDelay || (_storing == 0 && sinceLastAck >= _ackDelay))
        {
            _lastAckAt = now;
            _ackedBefore = true;
            return TakePending();
        }
        // Idle, the ack goes when the stream's last ack is an ack delay old; otherwise when its first id has waited that long.
        var due = _ackDelay - (_storing == 0 ? sinceLastAck : waited);
        var at = now + (long)(due.TotalSeconds * _time.TimestampFrequency);
        if (_timerAt is null || at < _timerAt)
        {
            _timer ??= _time.CreateTimer(Flush, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(due, Timeout.InfiniteTimeSpan);
            _timerAt = at;
        }
        return null;
    }

    // Under _lock.
    private StoredAck? TakePending()
    {
        var ack = _pending;
        _pending = null;
        return ack;
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
