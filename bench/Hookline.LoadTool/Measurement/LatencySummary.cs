using System.Diagnostics;

namespace Hookline.LoadTool.Measurement;

/// <summary>Nearest-rank percentiles of a latency sample, in microseconds.</summary>
internal sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max)
{
    /// <param name="ticks">Durations in <see cref="Stopwatch"/> ticks; sorted in place.</param>
    public static LatencySummary FromTicks(long[] ticks)
    {
        if (ticks.Length == 0)
        {
            return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }
        Array.Sort(ticks);
        return new LatencySummary(ticks.Length, Rank(ticks, 0.50), Rank(ticks, 0.90), Rank(ticks, 0.99), ToMicroseconds(ticks[^1]));
    }

    public static double ToMicroseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    private static double Rank(long[] sorted, double quantile)
    {
        var index = (int)Math.Ceiling(quantile * sorted.Length) - 1;
        return ToMicroseconds(sorted[Math.Clamp(index, 0, sorted.Length - 1)]);
    }
}
