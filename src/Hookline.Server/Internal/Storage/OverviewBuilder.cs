namespace Hookline.Server.Internal.Storage;

/// <summary>
/// Adds up decision counts (from events or from rollups alike) into <see cref="OverviewCounts"/>: one home for how
/// buckets, totals, percentiles and top lists are formed, so both paths shape their answer the same way.
/// </summary>
internal sealed class OverviewBuilder(OverviewRange range)
{
    private readonly long _fromMs = range.From.ToUnixTimeMilliseconds();
    private readonly long _widthMs = range.BucketSeconds * 1000L;
    private readonly Dictionary<long, (Dictionary<string, long> Verdicts, Dictionary<string, long> Sources)> _buckets = [];
    private readonly Dictionary<string, long> _verdicts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Count, long[] Buckets)> _latency = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Kind, string Key), (long Deny, long Ask, long Decided)> _tops = [];

    /// <summary>Decisions at <paramref name="timeMs"/> (an event's time or a rollup's minute): bucketed from the range's aligned start.</summary>
    public void AddDecisions(long timeMs, string verdict, string source, long count)
    {
        var start = range.BucketStartMs(timeMs);
        if (!_buckets.TryGetValue(start, out var bucket))
        {
            _buckets[start] = bucket = (new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        }
        Increment(bucket.Verdicts, verdict, count);
        Increment(bucket.Sources, source, count);
        Increment(_verdicts, verdict, count);
        Increment(_sources, source, count);
    }

    /// <summary>Decisions of a source, with their latency bucket (null: no latency was measured).</summary>
    public void AddLatency(string source, int? bucket, long count)
    {
        if (!_latency.TryGetValue(source, out var series))
        {
            series = (0, new long[OverviewLatency.Buckets]);
        }
        if (bucket is { } index)
        {
            series.Buckets[index] += count;
        }
        _latency[source] = (series.Count + count, series.Buckets);
    }

    /// <summary>Decisions of one rule, user, agent or tool (<paramref name="kind"/>: rule, user, agent, tool).</summary>
    public void AddTop(string kind, string key, string verdict, long count)
    {
        _tops.TryGetValue((kind, key), out var top);
        _tops[(kind, key)] = (top.Deny + (verdict == "deny" ? count : 0), top.Ask + (verdict == "ask" ? count : 0), top.Decided + count);
    }

    public OverviewCounts Build(IReadOnlyDictionary<string, long> ungoverned)
    {
        var firstStart = range.BucketStartMs(_fromMs);
        var timeline = new List<OverviewBucket>();
        for (var start = firstStart; start < range.To.ToUnixTimeMilliseconds(); start += _widthMs)
        {
            timeline.Add(_buckets.TryGetValue(start, out var b)
                ? new OverviewBucket(DateTimeOffset.FromUnixTimeMilliseconds(start), b.Verdicts, b.Sources)
                : new OverviewBucket(DateTimeOffset.FromUnixTimeMilliseconds(start), new Dictionary<string, long>(), new Dictionary<string, long>()));
        }
        _verdicts.TryGetValue("allow", out var allow);
        _verdicts.TryGetValue("ask", out var ask);
        _verdicts.TryGetValue("deny", out var deny);
        var decided = _verdicts.Values.Sum();
        var totals = new OverviewTotals(decided, allow, ask, deny, decided == 0 ? 0 : (double)deny / decided,
            decided == 0 ? 0 : (double)ask / decided, new Dictionary<string, long>(_sources, StringComparer.Ordinal));
        var latency = _latency.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => Series(s.Key, s.Value.Count, s.Value.Buckets)).ToList();
        var fired = _tops.Keys.Where(k => k.Kind == "rule").Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        return new OverviewCounts(totals, timeline, latency, Top("rule"), Top("user"), Top("agent"), Top("tool"), fired, ungoverned);
    }

    private List<TopEntry> Top(string kind) => _tops
        .Where(t => t.Key.Kind == kind && t.Value.Deny + t.Value.Ask > 0)
        .Select(t => new TopEntry(t.Key.Key, t.Value.Deny, t.Value.Ask, t.Value.Decided))
        .OrderByDescending(t => t.Deny + t.Ask).ThenBy(t => t.Key, StringComparer.Ordinal)
        .Take(OverviewCounts.TopCount).ToList();

    private static LatencySeries Series(string source, long count, long[] buckets)
    {
        var measured = buckets.Sum();
        return new LatencySeries(source, count, measured, Percentile(buckets, measured, 0.50), Percentile(buckets, measured, 0.99),
            buckets.Select((n, i) => (n, i)).Where(b => b.n > 0).Select(b => new LatencyBucket(OverviewLatency.UpperBoundUs(b.i), b.n)).ToList());
    }

    /// <summary>The upper bound (ms) of the bucket holding the <paramref name="q"/> quantile (nearest rank).</summary>
    private static double? Percentile(long[] buckets, long measured, double q)
    {
        if (measured == 0)
        {
            return null;
        }
        var rank = (long)Math.Ceiling(q * measured);
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                return OverviewLatency.UpperBoundUs(i) / 1000.0;
            }
        }
        return OverviewLatency.UpperBoundUs(buckets.Length - 1) / 1000.0;
    }

    private static void Increment(Dictionary<string, long> counts, string key, long count)
        => counts[key] = counts.GetValueOrDefault(key) + count;
}
