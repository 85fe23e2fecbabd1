namespace Hookline.Server.Internal.Grpc;

/// <summary>
/// The events a stream got the server's own (remote) decision for, the only ones whose latency it may report: each
/// accepted once, then forgotten. Bounded to the last <see cref="Capacity"/> answered (the oldest go first), so a
/// stream can never report more latencies than it had decisions. Read and written on the stream's read loop only.
/// </summary>
internal sealed class AnsweredEvents
{
    public const int Capacity = 16_384;

    // Event id → its slot in the ring; a slot emptied by a take is skipped when the ring comes round to it.
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    // Grows as events are answered (a quiet stream holds little), then wraps.
    private readonly List<string?> _ring = [];
    private int _next;

    public int Count => _slots.Count;

    public void Add(string eventId)
    {
        if (_slots.ContainsKey(eventId))
        {
            return;
        }
        if (_ring.Count < Capacity)
        {
            _slots[eventId] = _ring.Count;
            _ring.Add(eventId);
            return;
        }
        if (_ring[_next] is { } oldest)
        {
            _slots.Remove(oldest);
        }
        _ring[_next] = eventId;
        _slots[eventId] = _next;
        _next = (_next + 1) % Capacity;
    }

    /// <summary>True once for an event answered on this stream and not yet taken.</summary>
    public bool TryTake(string eventId)
    {
        if (!_slots.Remove(eventId, out var slot))
        {
            return false;
        }
        _ring[slot] = null;
        return true;
    }
}
