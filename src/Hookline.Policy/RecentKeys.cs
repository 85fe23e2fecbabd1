namespace Hookline.Policy;

/// <summary>
/// The last <c>capacity</c> distinct keys added, the oldest forgotten first: a bounded "seen it already?" set. Not
/// thread-safe; the owner holds its own lock (the session state's gate, the live feed's lock).
/// </summary>
public sealed class RecentKeys(int capacity)
{
    private readonly HashSet<string> _set = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Remembers <paramref name="key"/>; false when it is already remembered.</summary>
    public bool Add(string key)
    {
        if (!_set.Add(key))
        {
            return false;
        }
        _order.Enqueue(key);
        if (_order.Count > capacity)
        {
            _set.Remove(_order.Dequeue());
        }
        return true;
    }

    public bool Contains(string key) => _set.Contains(key);

    /// <summary>The newest <paramref name="count"/> keys at most, oldest first.</summary>
    public IEnumerable<string> Newest(int count) => _order.Skip(Math.Max(0, _order.Count - count));
}
