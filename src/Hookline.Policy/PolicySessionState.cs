using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>
/// Per-session counters for session-aware rules (rate, taint, escalation). One per agent session, created by the caller;
/// thread-safe. The server and the sidecar's local fallback feed it the same events, so they decide alike.
/// </summary>
public sealed class PolicySessionState
{
    private const int RememberedToolUses = 512;

    // Denial times are trimmed in halves, so that trimming is rare; a window sees up to MaxDenialTimes of them.
    private const int DenialTrimAt = 2 * PolicySessionMemory.MaxDenialTimes;

    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _rateHits = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taints = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _denials = [];
    private readonly RecentKeys _countedToolUses = new(RememberedToolUses);
    private long _denialTotal;
    private long _changes;

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
                return ClampedDenialTotal;
            }
        }
    }

    /// <summary>
    /// Grows whenever the session remembers something new (a taint, a denial, a counted call of a rate rule); a caller
    /// that saved the state at one value need not save it again while it stays there.
    /// </summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Marks the session with a taint label, as an allowed matching event would.</summary>
    public void AddTaint(string label)
    {
        lock (_gate)
        {
            AddTaintUnsafe(label);
        }
    }

    /// <summary>What this session remembers, bounded (see <see cref="PolicySessionMemory"/>), to be imported elsewhere.</summary>
    public PolicySessionMemory Export()
    {
        // Copies under the lock, sorting and bounding outside it: evaluations of this session wait only for the copies.
        string[] taints, toolUseIds;
        long denialTotal;
        DateTimeOffset[] denials;
        PolicyRateHits[] rateHits;
        lock (_gate)
        {
            taints = [.. _taints];
            denialTotal = _denialTotal;
            denials = [.. _denials];
            rateHits = [.. _rateHits.Where(r => r.Value.Count > 0).Select(r => new PolicyRateHits(r.Key, [.. r.Value]))];
            toolUseIds = [.. _countedToolUses.Newest(PolicySessionMemory.MaxToolUseIds)];
        }

        return PolicySessionMemory.Create(taints, denialTotal, denials, rateHits, toolUseIds);
    }

    /// <summary>
    /// Takes in what another copy of this session remembered, merged with what this one remembers: taints and counted
    /// tool_use ids are united; denial and rate-hit times that both hold count once, so importing a memory exported
    /// from this same session changes nothing, and neither does importing it twice.
    /// </summary>
    public void Import(PolicySessionMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        lock (_gate)
        {
            foreach (var taint in memory.Taints)
            {
                _taints.Add(taint);
            }

            var denials = TimeLists.Union(_denials, memory.Denials, DenialTrimAt);
            _denials.Clear();
            _denials.AddRange(denials);
            _denialTotal = Math.Max(Math.Max(_denialTotal, memory.DenialCount), _denials.Count);

            foreach (var rate in memory.RateHits)
            {
                IReadOnlyList<DateTimeOffset> known = _rateHits.TryGetValue(rate.RuleId, out var hits) ? [.. hits] : [];
                _rateHits[rate.RuleId] = new Queue<DateTimeOffset>(TimeLists.Union(known, rate.Hits, PolicySessionMemory.MaxHitsPerRule));
            }

            foreach (var id in memory.ToolUseIds)
            {
                TryBeginCount(id);
            }
        }
    }

    private int ClampedDenialTotal => (int)Math.Min(_denialTotal, int.MaxValue);

    internal object Gate => _gate;

    internal IReadOnlySet<string> TaintSetUnsafe => _taints;

    /// <summary>True when this blocking event should count: a PreToolUse and the PermissionRequest of the same tool_use_id count once.</summary>
    internal bool TryBeginCount(string? toolUseId)
    {
        if (string.IsNullOrEmpty(toolUseId))
        {
            return true;
        }

        return _countedToolUses.Add(toolUseId);
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
            _changes++;
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
            return ClampedDenialTotal;
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
        _changes++;
        _denialTotal++;
        _denials.Add(now);
        if (_denials.Count > DenialTrimAt)
        {
            _denials.RemoveRange(0, _denials.Count - PolicySessionMemory.MaxDenialTimes);
        }
    }

    internal void AddTaintUnsafe(string label)
    {
        if (_taints.Add(label))
        {
            _changes++;
        }
    }
}
