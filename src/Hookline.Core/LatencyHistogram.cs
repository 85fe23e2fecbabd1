using System.Globalization;
using System.Text;

namespace Hookline.Core;

/// <summary>
/// A lock-free latency histogram with fixed buckets (10 µs to 50 ms), rendered as a Prometheus histogram. The
/// server and the sidecar both keep one for <c>hookline_decision_seconds</c>.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Upper bounds of the buckets, in seconds (a last bucket, +Inf, catches the rest).</summary>
    public static IReadOnlyList<double> Bounds { get; } = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.25, 1];

    private readonly long[] _buckets = new long[Bounds.Count + 1];
    private long _ticks;

    public void Record(TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        var bucket = 0;
        while (bucket < Bounds.Count && seconds > Bounds[bucket])
        {
            bucket++;
        }
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Add(ref _ticks, elapsed.Ticks);
    }

    public long Count => Cumulative()[^1];

    public TimeSpan Sum => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>Cumulative counts per bound, +Inf last.</summary>
    public long[] Cumulative()
    {
        var result = new long[_buckets.Length];
        long running = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            running += Interlocked.Read(ref _buckets[i]);
            result[i] = running;
        }
        return result;
    }

    /// <summary>The upper bound of the bucket holding quantile <paramref name="q"/>, in seconds; null when empty.</summary>
    public double? Quantile(double q)
    {
        var cumulative = Cumulative();
        if (cumulative[^1] == 0)
        {
            return null;
        }
        var rank = (long)Math.Ceiling(q * cumulative[^1]);
        for (var i = 0; i < Bounds.Count; i++)
        {
            if (cumulative[i] >= rank)
            {
                return Bounds[i];
            }
        }
        return Bounds[^1]; // beyond the last bucket: "at least" this much
    }

    /// <summary>Appends the <c># HELP</c>, <c># TYPE</c>, bucket, sum and count lines.</summary>
    public void Render(StringBuilder text, string name, string help)
    {
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
        var cumulative = Cumulative();
        for (var i = 0; i < Bounds.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{Bounds[i].ToString(CultureInfo.InvariantCulture)}\"}} {cumulative[i]}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {cumulative[^1]}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum {Sum.TotalSeconds.ToString(CultureInfo.InvariantCulture)}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_count {cumulative[^1]}\n");
    }
}
