using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Internal.Spool;

/// <summary>
/// Every event the sidecar has seen and the server has not yet confirmed as stored, in arrival order. Events
/// leave only when a StoredAck names them; on reconnect all of them are sent again (the server dedups by id),
/// carrying the decision the sidecar applied. Over its size cap it sheds captured payloads, oldest first, and keeps
/// every event's record.
/// </summary>
internal sealed class EventSpool
{
    /// <summary>Default of <c>--spool-max-bytes</c>.</summary>
    public const long DefaultMaxBytes = 256L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _inOrder = new();
    private TaskCompletionSource? _emptied;
    private readonly SpoolStore? _disk;
    private readonly long _maxBytes;
    private readonly Func<Core.EventCapture> _capture;
    private long _bytes;
    private long _shed;
    private long _rejected;

    /// <param name="disk">The on-disk copy; what it holds from an earlier run is loaded first.</param>
    /// <param name="maxBytes">Above this many bytes of held events, payloads are shed (oldest first).</param>
    /// <param name="capture">The capture in force, which makes the copy of an event that the spool keeps (secrets redacted): the spool only
    /// replays events whose decision was already applied, and the server needs their payload only to store it.</param>
    public EventSpool(SpoolStore? disk = null, long maxBytes = DefaultMaxBytes, Func<Core.EventCapture>? capture = null)
    {
        _disk = disk;
        _maxBytes = maxBytes;
        _capture = capture ?? (() => Core.EventCapture.Default);
        foreach (var row in disk?.Load() ?? [])
        {
            Append(new Entry(row.Event)
            {
                Applied = row.Applied,
                AppliedUnconfirmed = row.AppliedUnconfirmed,
                Stored = row.Stored,
            });
        }
        lock (_lock)
        {
            ShedOverCap();
        }
    }

    /// <summary>Bytes of the events held (their wire size).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Events the server refused for good and that were dropped, so far.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Payloads shed so far to stay under the cap.</summary>
    public long Shed => Interlocked.Read(ref _shed);

    private LinkedListNode<Entry> Append(Entry entry)
    {
        var node = _inOrder.AddLast(entry);
        _byId[entry.Event.EventId] = node;
        Interlocked.Add(ref _bytes, entry.Size);
        return node;
    }

    private void Drop(LinkedListNode<Entry> node)
    {
        _byId.Remove(node.Value.Event.EventId);
        _inOrder.Remove(node);
        Interlocked.Add(ref _bytes, -node.Value.Size);
    }

    /// <summary>
    /// Over the cap: replaces the oldest events with copies without their payload (and a marker saying how much went),
    /// until the spool fits or only metadata is left. Records are never dropped. Called under the lock.
    /// </summary>
    private void ShedOverCap()
    {
        for (var node = _inOrder.First; node is not null && Interlocked.Read(ref _bytes) > _maxBytes; node = node.Next)
        {
            var entry = node.Value;
            var original = entry.Event;
            if (original.PayloadShed || entry.Waiting)
            {
                // Already shed; or a hook still waits on it (its input may yet be needed for a local decision).
                continue;
            }
            var payload = original.ToolInput.Length + original.ToolResponse.Length + original.RawInput.Length
                + System.Text.Encoding.UTF8.GetByteCount(original.Prompt);
            if (payload == 0)
            {
                continue;
            }
            var shed = original.Clone();
            shed.ToolInput = Google.Protobuf.ByteString.Empty;
            shed.ToolResponse = Google.Protobuf.ByteString.Empty;
            shed.RawInput = Google.Protobuf.ByteString.Empty;
            shed.Prompt = "";
            shed.PayloadShed = true;
            shed.PayloadBytes = (ulong)payload;
            Interlocked.Add(ref _bytes, -entry.Size);
            entry.Event = shed;
            Interlocked.Add(ref _bytes, entry.Size);
            Interlocked.Increment(ref _shed);
            Persist(entry);
        }
    }

    /// <summary>The on-disk copy, if any: its writer's state is part of the sidecar's status.</summary>
    public SpoolStore? Disk => _disk;

    /// <summary>Completes once every change so far is on disk; fails at once when it cannot be (see <see cref="SpoolStore.FlushAsync"/>).</summary>
    public Task FlushToDiskAsync() => _disk?.FlushAsync() ?? Task.CompletedTask;

    // Redaction runs on the disk writer's thread, off the hook's path; the entry's event is a private copy, never mutated.
    private void Persist(Entry entry) => _disk?.Save(new SpoolRow(entry.Event, entry.Applied, entry.AppliedUnconfirmed, entry.Stored), _capture);

    // The event is never mutated once sent (the stream may be serialising it); what was applied lives beside it.
    // Shedding replaces it with a smaller copy.
    private sealed class Entry(HookEvent hookEvent)
    {
        private HookEvent _event = hookEvent;

        public HookEvent Event
        {
            get => _event;
            set
            {
                _event = value;
                Size = value.CalculateSize();
            }
        }

        public long Size { get; private set; } = hookEvent.CalculateSize();

        public AppliedDecision? Applied { get; set; }

        /// <summary>The applied decision was sent apart from the event (after a budget miss) and must be confirmed too.</summary>
        public bool AppliedUnconfirmed { get; set; }

        public bool Stored { get; set; }

        /// <summary>A hook of this process still waits on it: its applied decision will follow.</summary>
        public bool Waiting { get; set; }

        /// <summary>Its applied decision must go out in a message of its own, and has not yet.</summary>
        public bool AmendmentUnsent { get; set; }

        public bool Done => Stored && !AppliedUnconfirmed;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _inOrder.Count;
            }
        }
    }

    public void Add(HookEvent hookEvent, AppliedDecision? applied = null)
    {
        lock (_lock)
        {
            if (!_byId.ContainsKey(hookEvent.EventId))
            {
                var node = Append(new Entry(hookEvent) { Applied = applied, Waiting = hookEvent.DecisionWanted && applied is null });
                Persist(node.Value);
                ShedOverCap();
            }
        }
    }

    /// <summary>Takes over an event another session's sidecar left unconfirmed.</summary>
    public void Adopt(SpoolRow row)
    {
        lock (_lock)
        {
            if (!_byId.ContainsKey(row.Event.EventId))
            {
                var node = Append(new Entry(row.Event)
                {
                    Applied = row.Applied,
                    AppliedUnconfirmed = row.AppliedUnconfirmed,
                    Stored = row.Stored,
                });
                Persist(node.Value);
                ShedOverCap();
            }
        }
    }

    /// <summary>
    /// Records the decision the sidecar applied, so a replay carries it. <paramref name="sentSeparately"/>: it went
    /// to the server in a message of its own, so the event stays until the server confirms that one too.
    /// </summary>
    public void SetApplied(string eventId, AppliedDecision applied, bool sentSeparately)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(eventId, out var node))
            {
                node.Value.Applied = applied;
                node.Value.AppliedUnconfirmed = sentSeparately;
                node.Value.AmendmentUnsent = sentSeparately;
                node.Value.Waiting = false;
                Persist(node.Value);
                ShedOverCap();
            }
        }
    }

    /// <summary>The applied decision recorded with <c>sentSeparately</c> went out on the stream.</summary>
    public void AmendmentSent(string eventId)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(eventId, out var node))
            {
                node.Value.AmendmentUnsent = false;
            }
        }
    }

    /// <summary>
    /// Applied decisions that could not be sent when they were made (the stream was between two connections), as
    /// replays; taken once, right after a stream opened.
    /// </summary>
    public List<HookEvent> TakeUnsentAmendments()
    {
        lock (_lock)
        {
            var list = new List<HookEvent>();
            foreach (var entry in _inOrder)
            {
                if (entry.AmendmentUnsent)
                {
                    entry.AmendmentUnsent = false;
                    list.Add(AsReplay(entry));
                }
            }
            return list;
        }
    }

    private static HookEvent AsReplay(Entry entry)
    {
        var replay = entry.Event.Clone();
        replay.DecisionWanted = false;
        replay.Applied = entry.Applied;
        return replay;
    }

    public void Acknowledge(StoredAck ack)
    {
        lock (_lock)
        {
            foreach (var id in ack.EventIds)
            {
                if (_byId.TryGetValue(id, out var node))
                {
                    node.Value.Stored = true;
                }
            }
            foreach (var id in ack.AppliedEventIds)
            {
                if (_byId.TryGetValue(id, out var node))
                {
                    node.Value.AppliedUnconfirmed = false;
                }
            }
            foreach (var id in ack.EventIds)
            {
                if (!_byId.TryGetValue(id, out var node))
                {
                    continue;
                }
                if (node.Value.Done)
                {
                    Drop(node);
                    _disk?.Remove(id);
                }
                else
                {
                    Persist(node.Value);
                }
            }
            // Refused for good (its id is taken by another session, its session is not ours, or it would change an
            // applied decision already recorded): resending cannot change the answer, so it goes.
            foreach (var rejected in ack.Rejected)
            {
                if (_byId.TryGetValue(rejected.EventId, out var node) && !node.Value.Waiting)
                {
                    Drop(node);
                    _disk?.Remove(rejected.EventId);
                    Interlocked.Increment(ref _rejected);
                }
            }
            if (_inOrder.Count == 0)
            {
                _emptied?.TrySetResult();
                _emptied = null;
            }
        }
    }

    /// <summary>Whether the event is held here and the server has not yet said it is stored.</summary>
    public bool IsUnacknowledged(string eventId)
    {
        lock (_lock)
        {
            return _byId.TryGetValue(eventId, out var node) && !node.Value.Stored;
        }
    }

    /// <summary>Completes when every event has been acknowledged as stored.</summary>
    public Task WaitEmptyAsync()
    {
        lock (_lock)
        {
            if (_inOrder.Count == 0)
            {
                return Task.CompletedTask;
            }
            _emptied ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _emptied.Task;
        }
    }

    /// <summary>
    /// What to resend after a reconnect, oldest first, as replays: no decision wanted, the applied one attached. An
    /// event whose hook still waits is left out: it is sent with the decision the hook gets, so the server never
    /// stores it without one.
    /// </summary>
    public List<HookEvent> Unacknowledged()
    {
        lock (_lock)
        {
            var list = new List<HookEvent>(_inOrder.Count);
            foreach (var entry in _inOrder)
            {
                if (!entry.Waiting)
                {
                    list.Add(AsReplay(entry));
                }
            }
            return list;
        }
    }
}
