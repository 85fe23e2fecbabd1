namespace Hookline.LoadTool.Modes;

/// <summary>Counters shared by every load stream of a throughput run.</summary>
internal sealed class ThroughputCounters
{
    private long _decisions;
    private long _stored;
    private long _sent;
    private long _ackMessages;
    private volatile bool _measuring;

    public long Decisions => Interlocked.Read(ref _decisions);
    public long Stored => Interlocked.Read(ref _stored);
    public long Sent => Interlocked.Read(ref _sent);
    public long AckMessages => Interlocked.Read(ref _ackMessages);

    /// <summary>Latencies are kept only while this is set (after the warm-up, before the end).</summary>
    public bool Measuring
    {
        get => _measuring;
        set => _measuring = value;
    }

    public void AddSent() => Interlocked.Increment(ref _sent);
    public void AddDecision() => Interlocked.Increment(ref _decisions);
    public void AddStored(int count)
    {
        Interlocked.Add(ref _stored, count);
        Interlocked.Increment(ref _ackMessages);
    }
}
