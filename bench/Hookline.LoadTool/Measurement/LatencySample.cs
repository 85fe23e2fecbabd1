namespace Hookline.LoadTool.Measurement;

/// <summary>A fixed-capacity store of durations (Stopwatch ticks). Not thread-safe: one per writer, merged at the end.</summary>
internal sealed class LatencySample
{
    private readonly long[] _ticks;

    public LatencySample(int capacity) => _ticks = new long[capacity];

    public int Count { get; private set; }

    /// <summary>Records one duration; once full, further durations are counted nowhere (the capacity bounds memory).</summary>
    public void Add(long ticks)
    {
        if (Count < _ticks.Length)
        {
            _ticks[Count++] = ticks;
        }
    }

    public static long[] Merge(IEnumerable<LatencySample> samples)
    {
        var all = new List<long>();
        foreach (var sample in samples)
        {
            all.AddRange(sample._ticks.AsSpan(0, sample.Count));
        }
        return all.ToArray();
    }
}
