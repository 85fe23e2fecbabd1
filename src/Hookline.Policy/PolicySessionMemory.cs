using System.Collections.Immutable;
using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>
/// What a <see cref="PolicySessionState"/> remembers, as an immutable and bounded value: its taints, its denials and the
/// recent calls its rate limits counted. <see cref="PolicySessionState.Export"/> makes one and
/// <see cref="PolicySessionState.Import"/> takes one back, so that another process can continue the session.
/// </summary>
public sealed class PolicySessionMemory
{
    /// <summary>The most taint labels kept.</summary>
    public const int MaxTaints = 256;

    /// <summary>The most denial times kept (enough for any escalation window up to this many denials).</summary>
    public const int MaxDenialTimes = 1024;

    /// <summary>The most rules whose rate hits are kept.</summary>
    public const int MaxRateRules = 64;

    /// <summary>The most hits kept per rate rule (a rule needs max + 1).</summary>
    public const int MaxHitsPerRule = 1024;

    /// <summary>The most recent tool_use ids kept, so that a replayed or paired event is not counted twice.</summary>
    public const int MaxToolUseIds = 64;

    /// <summary>Longer labels, rule ids and tool_use ids are dropped, not cut: a cut one would mean something else.</summary>
    public const int MaxTextLength = 1024;

    private PolicySessionMemory(ImmutableArray<string> taints, long denialCount, ImmutableArray<DateTimeOffset> denials,
        ImmutableArray<PolicyRateHits> rateHits, ImmutableArray<string> toolUseIds)
    {
        Taints = taints;
        DenialCount = denialCount;
        Denials = denials;
        RateHits = rateHits;
        ToolUseIds = toolUseIds;
    }

    /// <summary>A session that has remembered nothing.</summary>
    public static PolicySessionMemory Empty { get; } = new([], 0, [], [], []);

    /// <summary>Taint labels, sorted (ordinal).</summary>
    public ImmutableArray<string> Taints { get; }

    /// <summary>Denials of blocking events in the whole session (at least as many as <see cref="Denials"/>).</summary>
    public long DenialCount { get; }

    /// <summary>The times of the most recent denials, oldest first.</summary>
    public ImmutableArray<DateTimeOffset> Denials { get; }

    /// <summary>Per rate rule (sorted by rule id), the times of its counted calls, oldest first.</summary>
    public ImmutableArray<PolicyRateHits> RateHits { get; }

    /// <summary>The most recently counted tool_use ids, oldest first.</summary>
    public ImmutableArray<string> ToolUseIds { get; }

    public bool IsEmpty => Taints.IsEmpty && DenialCount == 0 && RateHits.IsEmpty && ToolUseIds.IsEmpty;

    /// <summary>A memory from any parts: sorted, de-duplicated and cut to the bounds (the newest entries are kept).</summary>
    public static PolicySessionMemory Create(IEnumerable<string> taints, long denialCount, IEnumerable<DateTimeOffset> denials,
        IEnumerable<PolicyRateHits> rateHits, IEnumerable<string> toolUseIds)
    {
        ArgumentNullException.ThrowIfNull(taints);
        ArgumentNullException.ThrowIfNull(denials);
        ArgumentNullException.ThrowIfNull(rateHits);
        ArgumentNullException.ThrowIfNull(toolUseIds);
        var taintList = taints.Where(IsKeepable).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(MaxTaints).ToImmutableArray();
        var denialTimes = TimeLists.Union([], denials.ToList(), MaxDenialTimes).ToImmutableArray();
        var rates = rateHits
            .Where(r => r is not null && IsKeepable(r.RuleId))
            .GroupBy(r => r.RuleId, StringComparer.Ordinal)
            .Select(g => new PolicyRateHits(g.Key, g.Aggregate((IReadOnlyList<DateTimeOffset>)[], (acc, r) => TimeLists.Union(acc, r.Hits, MaxHitsPerRule)).ToImmutableArray()))
            .Where(r => !r.Hits.IsEmpty)
            .OrderBy(r => r.RuleId, StringComparer.Ordinal)
            .Take(MaxRateRules)
            .ToImmutableArray();
        var ids = LastDistinct(toolUseIds.Where(IsKeepable), MaxToolUseIds);
        return new PolicySessionMemory(taintList, Math.Max(Math.Max(denialCount, 0), denialTimes.Length), denialTimes, rates, ids);
    }

    /// <summary>
    /// Both memories in one, as if both had happened: taints and tool_use ids are united, and times that both hold
    /// count once (so merging a memory with a later copy of itself is the later copy). Order does not matter.
    /// </summary>
    public PolicySessionMemory Merge(PolicySessionMemory other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var rates = RateHits.Concat(other.RateHits)
            .GroupBy(r => r.RuleId, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.First() : new PolicyRateHits(g.Key, TimeLists.Union(g.First().Hits, g.Last().Hits, MaxHitsPerRule).ToImmutableArray()));
        // Tool_use ids have no time of their own: keep the order of the longer list, then the other's new ones.
        var (first, second) = ToolUseIds.Length >= other.ToolUseIds.Length ? (ToolUseIds, other.ToolUseIds) : (other.ToolUseIds, ToolUseIds);
        var denials = TimeLists.Union(Denials, other.Denials, MaxDenialTimes);
        return Create(Taints.Concat(other.Taints), Math.Max(DenialCount, other.DenialCount), denials, rates, first.Concat(second));
    }

    private static bool IsKeepable(string? text) => !string.IsNullOrEmpty(text) && text.Length <= MaxTextLength;

    private static ImmutableArray<string> LastDistinct(IEnumerable<string> items, int max)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<string>();
        foreach (var item in items)
        {
            if (seen.Add(item))
            {
                kept.Add(item);
            }
        }
        return kept.Skip(Math.Max(0, kept.Count - max)).ToImmutableArray();
    }
}

/// <summary>The counted calls of one rate-limited rule, oldest first.</summary>
public sealed record PolicyRateHits(string RuleId, ImmutableArray<DateTimeOffset> Hits);
