namespace Hookline.Policy;

/// <summary>
/// Per-session counters for session-aware rules (rate, taint, escalation). One per agent session, created by the caller;
/// thread-safe. The server and the sidecar's local fallback feed it the same events, so they decide alike.
/// </summary>
public sealed class PolicySessionState
{
    private const int RememberedToolUses = 512;

    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _rateHits = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taints = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _denials = [];
    private readonly HashSet<string> _countedToolUses = new(StringComparer.Ordinal);
    private readonly Queue<string> _countedOrder = new();

    public PolicySessionState(TimeProvider? timeProvider = null)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>Taint labels set so far.</summary>
    public IReadOnlyCollection<string> Taints
    {
        get
        {
            lock (_gate)
            {
                return _taints.ToArray();
            }
        }
    }

    /// <summary>Denials of blocking events so far in this session.</summary>
    public int Denials
    {
        get
        {
            lock (_gate)
            {
                return _denials.Count;
            }
        }
    }

    /// <summary>Marks the session with a taint label, as an allowed matching event would.</summary>
    public void AddTaint(string label)
    {
        lock (_gate)
        {
            _taints.Add(label);
        }
    }

    internal object Gate => _gate;

    internal IReadOnlySet<string> TaintSetUnsafe => _taints;

    /// <summary>True when this blocking event should count: a PreToolUse and the PermissionRequest of the same tool_use_id count once.</summary>
    internal bool TryBeginCount(string? toolUseId)
    {
        if (string.IsNullOrEmpty(toolUseId))
        {
            return true;
        }

        if (!_countedToolUses.Add(toolUseId))
        {
            return false;
        }

        _countedOrder.Enqueue(toolUseId);
        if (_countedOrder.Count > RememberedToolUses)
        {
            _countedToolUses.Remove(_countedOrder.Dequeue());
        }

        return true;
    }

    /// <summary>Records a matching call (when <paramref name="record"/>) and says whether more than max fell in the window.</summary>
    internal bool CheckRate(string ruleId, RateLimit rate, DateTimeOffset now, bool record)
    {
        if (!_rateHits.TryGetValue(ruleId, out var hits))
        {
            hits = new Queue<DateTimeOffset>();
            _rateHits[ruleId] = hits;
        }

        while (hits.Count > 0 && now - hits.Peek() >= rate.Per)
        {
            hits.Dequeue();
        }

        if (record)
        {
            hits.Enqueue(now);
            // Only "more than max" matters, so max + 1 entries are enough: memory stays bounded.
            while (hits.Count > rate.Max + 1)
            {
                hits.Dequeue();
            }
        }

        return hits.Count > rate.Max;
    }

    internal int DenialsWithin(DateTimeOffset now, TimeSpan? window)
    {
        if (window is null)
        {
            return _denials.Count;
        }

        var count = 0;
        for (var i = _denials.Count - 1; i >= 0 && now - _denials[i] < window.Value; i--)
        {
            count++;
        }

        return count;
    }

    internal void AddDenial(DateTimeOffset now)
    {
        _denials.Add(now);
        if (_denials.Count > 10_000)
        {
            _denials.RemoveRange(0, 5_000);
        }
    }

    internal void AddTaintUnsafe(string label) => _taints.Add(label);
}
