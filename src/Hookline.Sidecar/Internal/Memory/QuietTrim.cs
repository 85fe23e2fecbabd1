namespace Hookline.Sidecar.Internal.Memory;

/// <summary>
/// Gives memory back once a burst of hooks is over. What a burst leaves behind is garbage promoted while it was in
/// flight (events held until the server confirmed them), which the GC collects only when its older generations' budgets
/// run out, so the process would stay at its peak until the next burst. Checked once a <see cref="Period"/>: after at
/// least <see cref="BurstBytes"/> allocated since the last trim, a period that allocated almost nothing ends the burst
/// with one full, compacting collection that also decommits the free space (a few milliseconds for a sidecar's heap).
/// The period is short so that the trim follows the burst within half a second (with a one-second period the heap stayed
/// at its peak for one to two seconds after every burst); a lull inside a burst costs at most one more collection per
/// <see cref="BurstBytes"/>. With nothing to give back for a second the check slows to once an <see cref="IdlePeriod"/>,
/// so that an idle sidecar (one per agent session) wakes once a second, not four times; the first check that sees
/// hooks again goes back to the short period.
/// </summary>
internal sealed class QuietTrim : IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan IdlePeriod = TimeSpan.FromSeconds(1);
    /// <summary>Quiet checks in a row, with nothing to give back, after which the check slows to <see cref="IdlePeriod"/>.</summary>
    public const int IdleChecks = 4;
    public const long BurstBytes = 4L * 1024 * 1024;
    /// <summary>At most this much allocated in a <see cref="Period"/> is quiet (256 KiB a second: keep-alives, a hook now and then).</summary>
    public const long QuietBytes = 64L * 1024;

    private readonly Func<long> _allocated;
    private readonly Action _trim;
    private readonly ITimer _timer;
    private long _atLastTick;
    private long _atLastTrim;
    private int _idleChecks;
    private bool _slow;

    /// <param name="allocated">Bytes allocated by the process so far.</param>
    /// <param name="trim">The collection that gives memory back.</param>
    public QuietTrim(TimeProvider time, Func<long> allocated, Action trim)
    {
        _allocated = allocated;
        _trim = trim;
        _atLastTick = _atLastTrim = allocated();
        _timer = time.CreateTimer(_ => Tick(), null, Period, Period);
    }

    public static QuietTrim ForThisProcess(TimeProvider time) => new(time, () => GC.GetTotalAllocatedBytes(),
        () => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true));

    /// <summary>Trims done; read by tests.</summary>
    public int Trims { get; private set; }

    /// <summary>Checks done; read by tests.</summary>
    public int Checks { get; private set; }

    private void Tick()
    {
        Checks++;
        var now = _allocated();
        var quiet = now - _atLastTick < QuietBytes;
        _atLastTick = now;
        if (quiet && now - _atLastTrim >= BurstBytes)
        {
            _trim();
            Trims++;
            _atLastTick = _atLastTrim = _allocated();
        }

        _idleChecks = quiet ? _idleChecks + 1 : 0;
        if (_slow != _idleChecks >= IdleChecks)
        {
            _slow = !_slow;
            var period = _slow ? IdlePeriod : Period;
            _timer.Change(period, period);
        }
    }

    public void Dispose() => _timer.Dispose();
}
