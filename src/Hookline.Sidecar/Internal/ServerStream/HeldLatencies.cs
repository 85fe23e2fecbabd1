using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Spool;

namespace Hookline.Sidecar.Internal.ServerStream;

/// <summary>
/// How long hooks waited for the server's own decisions (source remote), held until they can be reported in
/// <see cref="DecisionLatencies"/> batches. A latency is ready only once its event is stored (acknowledged): the server
/// answers before it stores, and its update of a row not yet written would find nothing. Bounded: over the cap the
/// oldest goes, counted. What went out is forgotten, and a new stream drops what an earlier one left (see
/// <see cref="NewStream"/>).
/// </summary>
internal sealed class HeldLatencies(EventSpool spool, int capacity = HeldLatencies.DefaultCapacity)
{
    /// <summary>The most items in one message (the server ignores a message with more).</summary>
    public const int MaxPerMessage = 256;
    public const int DefaultCapacity = 16_384;

    private sealed class Held(string eventId, uint latencyUs)
    {
        public string EventId { get; } = eventId;
        public uint LatencyUs { get; } = latencyUs;
        public bool Stored { get; set; }
    }

    private readonly Lock _lock = new();
    private readonly LinkedList<Held> _inOrder = new();
    // The held latencies of events not yet acknowledged, by event id.
    private readonly Dictionary<string, LinkedListNode<Held>> _unstored = new(StringComparer.Ordinal);
    private int _ready;
    private long _dropped;

    /// <summary>Latencies dropped over the cap before they could be sent.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

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

    /// <summary>Holds one remote decision's latency (on the hook's task: quick, never waits on the stream).</summary>
    public void Add(string eventId, uint latencyUs)
    {
        lock (_lock)
        {
            // Checked under this lock, which Acknowledge also takes after the spool saw the ack: none slips between.
            var held = new Held(eventId, latencyUs) { Stored = !spool.IsUnacknowledged(eventId) };
            var node = _inOrder.AddLast(held);
            if (held.Stored)
            {
                _ready++;
            }
            else
            {
                _unstored[eventId] = node;
            }
            while (_inOrder.Count > capacity)
            {
                Remove(_inOrder.First!);
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    /// <summary>After the spool took the ack: the stored events' latencies become ready, the refused ones go.</summary>
    public void Acknowledge(StoredAck ack)
    {
        lock (_lock)
        {
            if (_unstored.Count == 0)
            {
                return;
            }
            foreach (var id in ack.EventIds)
            {
                if (_unstored.Remove(id, out var node))
                {
                    node.Value.Stored = true;
                    _ready++;
                }
            }
            foreach (var rejected in ack.Rejected)
            {
                if (_unstored.TryGetValue(rejected.EventId, out var node))
                {
                    Remove(node);
                }
            }
        }
    }

    /// <summary>The spool is empty, so every event held here was acknowledged (an ack may still be on its way here).</summary>
    public void AllStored()
    {
        lock (_lock)
        {
            foreach (var node in _unstored.Values)
            {
                node.Value.Stored = true;
                _ready++;
            }
            _unstored.Clear();
        }
    }

    /// <summary>
    /// A new stream opened: the server takes a latency only for an event it answered on that same stream, so every
    /// latency held from an earlier stream would be refused there. They go now, counted as dropped.
    /// </summary>
    public void NewStream()
    {
        lock (_lock)
        {
            Interlocked.Add(ref _dropped, _inOrder.Count);
            _inOrder.Clear();
            _unstored.Clear();
            _ready = 0;
        }
    }

    /// <summary>
    /// Sends what is ready, oldest first, in messages of at most <see cref="MaxPerMessage"/> items; what
    /// <paramref name="trySend"/> refuses stays held for the next time. Returns the number of messages sent.
    /// </summary>
    public int Flush(Func<ProcessHookEventRequest, bool> trySend)
    {
        lock (_lock)
        {
            var messages = 0;
            var node = _inOrder.First;
            while (_ready > 0 && node is not null)
            {
                var batch = new DecisionLatencies();
                var taken = new List<LinkedListNode<Held>>(Math.Min(_ready, MaxPerMessage));
                for (; node is not null && batch.Items.Count < MaxPerMessage; node = node.Next)
                {
                    if (node.Value.Stored)
                    {
                        batch.Items.Add(new DecisionLatency { EventId = node.Value.EventId, LatencyUs = node.Value.LatencyUs });
                        taken.Add(node);
                    }
                }
                if (!trySend(new ProcessHookEventRequest { Latencies = batch }))
                {
                    break;
                }
                messages++;
                foreach (var sent in taken)
                {
                    Remove(sent);
                }
            }
            return messages;
        }
    }

    private void Remove(LinkedListNode<Held> node)
    {
        if (node.Value.Stored)
        {
            _ready--;
        }
        else
        {
            _unstored.Remove(node.Value.EventId);
        }
        _inOrder.Remove(node);
    }
}
