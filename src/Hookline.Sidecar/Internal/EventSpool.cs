using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Internal;

/// <summary>
/// Every event the sidecar has seen and the server has not yet confirmed as stored, in arrival order. Events
/// leave only when a StoredAck names them; on reconnect all of them are sent again (the server dedups by id),
/// carrying the decision the sidecar applied.
/// </summary>
internal sealed class EventSpool
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _inOrder = new();
    private TaskCompletionSource? _emptied;
    private readonly SpoolStore? _disk;
    private readonly Func<HookEvent, HookEvent> _capture;

    /// <param name="disk">The on-disk copy; what it holds from an earlier run is loaded first.</param>
    /// <param name="capture">Makes the copy of an event that the spool keeps (secrets redacted): the spool only
    /// replays events whose decision was already applied, and the server needs their payload only to store it.</param>
    public EventSpool(SpoolStore? disk = null, Func<HookEvent, HookEvent>? capture = null)
    {
        _disk = disk;
        _capture = capture ?? Core.EventCapture.Default.Prepare;
        foreach (var row in disk?.Load() ?? [])
        {
            _byId[row.Event.EventId] = _inOrder.AddLast(new Entry(row.Event)
            {
                Applied = row.Applied,
                AppliedUnconfirmed = row.AppliedUnconfirmed,
                Stored = row.Stored,
            });
        }
    }

    /// <summary>Completes once every change so far is on disk.</summary>
    public Task FlushToDiskAsync() => _disk?.FlushAsync() ?? Task.CompletedTask;

    private void Persist(Entry entry) => _disk?.Save(new SpoolRow(entry.Event, entry.Applied, entry.AppliedUnconfirmed, entry.Stored));

    // The event is never mutated once sent (the stream may be serialising it); what was applied lives beside it.
    private sealed class Entry(HookEvent hookEvent)
    {
        public HookEvent Event { get; } = hookEvent;
        public AppliedDecision? Applied { get; set; }

        /// <summary>The applied decision was sent apart from the event (after a budget miss) and must be confirmed too.</summary>
        public bool AppliedUnconfirmed { get; set; }

        public bool Stored { get; set; }

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
                var node = _inOrder.AddLast(new Entry(_capture(hookEvent)) { Applied = applied });
                _byId[hookEvent.EventId] = node;
                Persist(node.Value);
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
                var node = _inOrder.AddLast(new Entry(_capture(row.Event))
                {
                    Applied = row.Applied,
                    AppliedUnconfirmed = row.AppliedUnconfirmed,
                    Stored = row.Stored,
                });
                _byId[row.Event.EventId] = node;
                Persist(node.Value);
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
                Persist(node.Value);
            }
        }
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
                    _byId.Remove(id);
                    _inOrder.Remove(node);
                    _disk?.Remove(id);
                }
                else
                {
                    Persist(node.Value);
                }
            }
            if (_inOrder.Count == 0)
            {
                _emptied?.TrySetResult();
                _emptied = null;
            }
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

    /// <summary>What to resend after a reconnect, oldest first, as replays: no decision wanted, the applied one attached.</summary>
    public List<HookEvent> Unacknowledged()
    {
        lock (_lock)
        {
            var list = new List<HookEvent>(_inOrder.Count);
            foreach (var entry in _inOrder)
            {
                var replay = entry.Event.Clone();
                replay.DecisionWanted = false;
                replay.Applied = entry.Applied;
                list.Add(replay);
            }
            return list;
        }
    }
}
