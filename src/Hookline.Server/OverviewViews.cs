using System.Text.Json.Serialization;

namespace Hookline.Server;

/// <summary>
/// The overview page and <c>/api/overview</c>: what the agents were told over a time range, at a glance. Every count
/// is of decided events (an applied verdict), by event time, as <c>hookline events --json --since F --until T</c>
/// would count them; <see cref="From"/> and <see cref="To"/> are whole minutes, so the per-minute rollups answer exactly.
/// </summary>
/// <param name="BucketSeconds">The width of one timeline bucket (see <see cref="OverviewRange"/>).</param>
/// <param name="Timeline">One entry per bucket, oldest first, every bucket of the range present (zeros included).</param>
/// <param name="Latency">One series per applied source that has decisions in the range.</param>
/// <param name="NeverFired">Rule ids of the policy in force that decided no event in the range.</param>
/// <param name="Ungoverned">Tool calls known to have run ungoverned in the range, by cause (coverage).</param>
/// <param name="PendingApprovals">Approvals waiting for an answer now (not limited to the range).</param>
public sealed record OverviewView(
    DateTimeOffset From, DateTimeOffset To, int BucketSeconds, long Epoch, OverviewTotals Totals,
    IReadOnlyList<OverviewBucket> Timeline, IReadOnlyList<LatencySeries> Latency,
    IReadOnlyList<TopEntry> TopRules, IReadOnlyList<TopEntry> TopUsers, IReadOnlyList<TopEntry> TopAgents,
    IReadOnlyList<TopEntry> TopTools, IReadOnlyList<string> NeverFired,
    IReadOnlyDictionary<string, long> Ungoverned, long PendingApprovals);

/// <summary>Decided events in the range by applied verdict; rates are fractions (0..1) of <see cref="Decided"/>.</summary>
public sealed record OverviewTotals(long Decided, long Allow, long Ask, long Deny, double DenyRate, double AskRate,
    IReadOnlyDictionary<string, long> Sources);

/// <summary>One bucket of the timeline: decided events by applied verdict and by applied source.</summary>
public sealed record OverviewBucket(DateTimeOffset Start, IReadOnlyDictionary<string, long> Verdicts,
    IReadOnlyDictionary<string, long> Sources);

/// <summary>
/// How long hooks waited for decisions of one source. <see cref="Measured"/> of <see cref="Count"/> carried a latency;
/// <see cref="Buckets"/> are the non-empty buckets of <see cref="OverviewLatency"/>. P50 and p99 are the upper bound
/// of the bucket they fall in (within 19%), null when nothing was measured.
/// </summary>
public sealed record LatencySeries(string Source, long Count, long Measured, double? P50Ms, double? P99Ms,
    IReadOnlyList<LatencyBucket> Buckets);

/// <summary>Measured decisions whose latency is at most <see cref="UpToUs"/> and above the previous bucket's bound.</summary>
public sealed record LatencyBucket(long UpToUs, long Count);

/// <summary>A rule, user, agent or tool with the most denials and asks in the range (ordered by deny + ask, then key).</summary>
public sealed record TopEntry(string Key, long Deny, long Ask, long Decided);

/// <summary>
/// The fixed latency buckets the rollups keep: quarter-octaves from 1 µs (each bound 2^(i/4) µs, rounded up), so a
/// percentile read from them is within 19% of the true one. One home for the bucket arithmetic of both stores.
/// </summary>
public static class OverviewLatency
{
    public const int Buckets = 120; // 2^(119/4) µs ≈ 888 s: past any hook's deadline.

    public static int BucketOf(long latencyUs)
    {
        if (latencyUs <= 1)
        {
            return 0;
        }
        var index = (int)Math.Ceiling(4 * Math.Log2(latencyUs));
        return Math.Min(index, Buckets - 1);
    }

    /// <summary>The largest latency (µs) that falls in bucket <paramref name="index"/>.</summary>
    public static long UpperBoundUs(int index) => (long)Math.Floor(Math.Pow(2, index / 4.0));
}

/// <summary>The time range of an overview, whole minutes, and the bucket width its timeline uses.</summary>
public sealed record OverviewRange(DateTimeOffset From, DateTimeOffset To, int BucketSeconds)
{
    /// <summary>Bucket widths, smallest first: the first that keeps the range within <see cref="MaxBuckets"/> is used.</summary>
    public static readonly int[] Widths = [60, 300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

    public const int MaxBuckets = 120;

    private static readonly DateTimeOffset Latest = new(9999, 12, 30, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The longest range an overview covers (longer custom ranges are refused).</summary>
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(92);

    /// <summary>From floored and to ceiled to whole minutes; the bucket width chosen for the span.</summary>
    public static OverviewRange Of(DateTimeOffset from, DateTimeOffset to)
    {
        // Whole minutes from 1970 to the year 9999 less a day: floor and ceiling stay in range, and never negative.
        if (from < DateTimeOffset.UnixEpoch || to > Latest)
        {
            throw new FormatException($"a range lies between 1970 and {Latest:yyyy-MM-dd}");
        }
        var fromMs = from.ToUnixTimeMilliseconds() / 60_000 * 60_000;
        var toMs = (to.ToUnixTimeMilliseconds() + 59_999) / 60_000 * 60_000;
        if (toMs <= fromMs)
        {
            throw new FormatException("the range must end after it starts");
        }
        if (toMs - fromMs > (long)MaxSpan.TotalMilliseconds)
        {
            throw new FormatException($"a range covers at most {MaxSpan.TotalDays:0} days");
        }
        var spanSeconds = (toMs - fromMs) / 1000;
        var width = Widths.FirstOrDefault(w => spanSeconds / w <= MaxBuckets, Widths[^1]);
        return new(DateTimeOffset.FromUnixTimeMilliseconds(fromMs), DateTimeOffset.FromUnixTimeMilliseconds(toMs), width);
    }

    /// <summary>The start of the bucket holding <paramref name="timeMs"/>: buckets are aligned to multiples of the width since the epoch.</summary>
    public long BucketStartMs(long timeMs) => Math.DivRem(timeMs, BucketSeconds * 1000L) is var (q, r) && r < 0 ? (q - 1) * BucketSeconds * 1000L : q * BucketSeconds * 1000L;
}

/// <summary>Source-generated JSON for the overview (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(OverviewView))]
public sealed partial class OverviewJson : JsonSerializerContext;
