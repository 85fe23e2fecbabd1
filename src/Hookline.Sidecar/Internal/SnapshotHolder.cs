using Hookline.Policy;
using PolicySnapshotV1 = Hookline.Contracts.V1.PolicySnapshot;
using FailModeV1 = Hookline.Contracts.V1.FailMode;

namespace Hookline.Sidecar.Internal;

/// <summary>
/// The last policy snapshot the server pushed, with the settings it carries, swapped atomically. The sidecar's
/// flags decide until the first snapshot; after that the snapshot's own values win where the document sets them.
/// </summary>
internal sealed class SnapshotHolder
{
    private readonly SidecarOptions _options;
    private readonly TimeProvider _time;
    private State _state;
    private long _lastHeardTicks;

    public SnapshotHolder(SidecarOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _state = new State(null, options.FailMode, options.Budget, options.MaxSnapshotAge, options.Capture);
    }

    private sealed record State(PolicySnapshot? Snapshot, SidecarFailMode FailMode, TimeSpan Budget, TimeSpan MaxAge,
        Core.EventCapture Capture, bool UsesSessionState = false);

    /// <summary>How the spool stores payloads: the server's mode once a snapshot said it, the sidecar's flag before.</summary>
    public Core.EventCapture Capture => Volatile.Read(ref _state).Capture;

    public PolicySnapshot? Snapshot => Volatile.Read(ref _state).Snapshot;

    public SidecarFailMode FailMode => Volatile.Read(ref _state).FailMode;

    public TimeSpan Budget => Volatile.Read(ref _state).Budget;

    public ulong Epoch => Snapshot?.Epoch ?? 0;

    public TimeSpan MaxAge => Volatile.Read(ref _state).MaxAge;

    /// <summary>How long since the server last confirmed the snapshot in hand (any message counts); null before the first.</summary>
    public TimeSpan? Age => Snapshot is null ? null : _time.GetElapsedTime(Volatile.Read(ref _lastHeardTicks));

    /// <summary>The snapshot has rate limits, taints or escalation: local decisions depend on session history.</summary>
    public bool UsesSessionState => Volatile.Read(ref _state).UsesSessionState;

    /// <summary>Any message from the server proves the snapshot in hand is still the one in force.</summary>
    public void Heard() => Volatile.Write(ref _lastHeardTicks, _time.GetTimestamp());

    /// <summary>The snapshot if it may still decide: the server was heard from within the max age.</summary>
    public PolicySnapshot? Usable()
    {
        var state = Volatile.Read(ref _state);
        if (state.Snapshot is null)
        {
            return null;
        }
        var silentFor = _time.GetElapsedTime(Volatile.Read(ref _lastHeardTicks));
        return silentFor <= state.MaxAge ? state.Snapshot : null;
    }

    /// <summary>Compiles and installs a pushed snapshot. Throws <see cref="PolicyException"/> and keeps the old one when it does not compile.</summary>
    public PolicySnapshot Install(PolicySnapshotV1 message)
    {
        var snapshot = Core.SnapshotCodec.FromProto(message);
        Core.DecisionEngine.Warm(snapshot);
        var failMode = message.HasFailMode
            ? message.FailMode == FailModeV1.Open ? SidecarFailMode.Open : SidecarFailMode.Closed
            : _options.FailMode;
        var budget = message.HasBudgetMs ? TimeSpan.FromMilliseconds(message.BudgetMs) : _options.Budget;
        var maxAge = message.HasMaxAgeMs ? TimeSpan.FromMilliseconds(message.MaxAgeMs) : _options.MaxSnapshotAge;
        var capture = Core.SnapshotCodec.CaptureOf(message, _options.Capture);
        Volatile.Write(ref _state, new State(snapshot, failMode, budget, maxAge, capture, Core.DecisionEngine.UsesSessionState(snapshot.Policy)));
        Heard();
        return snapshot;
    }
}
