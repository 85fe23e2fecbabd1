using Hookline.Policy;
using PolicySnapshotV1 = Hookline.Contracts.V1.PolicySnapshot;
using FailModeV1 = Hookline.Contracts.V1.FailMode;

namespace Hookline.Sidecar.Internal.ServerStream;

/// <summary>
/// The last policy snapshot the server pushed, with the settings it carries, swapped atomically. The sidecar's
/// flags decide until the first snapshot; after that the snapshot's own values win where the document sets them.
/// </summary>
internal sealed class SnapshotHolder
{
    private readonly SidecarOptions _options;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<string> _engineFeatures;
    private State _state;
    private long _lastHeardTicks;

    /// <param name="engineFeatures">The policy features this engine honours (tests give an older sidecar's list).</param>
    public SnapshotHolder(SidecarOptions options, IReadOnlyList<string>? engineFeatures = null)
    {
        _options = options;
        _engineFeatures = engineFeatures ?? PolicyFeatures.Supported;
        _time = options.TimeProvider;
        _state = new State(null, options.FailMode, options.Budget, options.MaxSnapshotAge, options.Capture);
    }

    private sealed record State(PolicySnapshot? Snapshot, SidecarFailMode FailMode, TimeSpan Budget, TimeSpan MaxAge,
        Core.EventCapture Capture, bool UsesSessionState = false, SnapshotRefusal? Refused = null);

    /// <summary>Why the last pushed snapshot could not be installed; null once one was.</summary>
    public SnapshotRefusal? Refused => Volatile.Read(ref _state).Refused;

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
        if (state.Snapshot is null || state.Refused is not null)
        {
            // A refused push means the server's policy is one this sidecar cannot apply: the one in hand is out of date.
            return null;
        }
        var silentFor = _time.GetElapsedTime(Volatile.Read(ref _lastHeardTicks));
        return silentFor <= state.MaxAge ? state.Snapshot : null;
    }

    /// <summary>
    /// Compiles and installs a pushed snapshot; null when installed. When this engine lacks a feature the document needs,
    /// or the document does not compile here, the snapshot is refused: local decisions then apply the fail mode (the
    /// pushed one when it says, else the sidecar's flag) until a snapshot that can be installed arrives.
    /// </summary>
    public SnapshotRefusal? Install(PolicySnapshotV1 message)
    {
        var missing = PolicyFeatures.Unsupported(message.RequiredFeatures, _engineFeatures);
        if (missing.Count > 0)
        {
            return Refuse(message, $"the policy needs engine features this sidecar does not have: {string.Join(", ", missing)} (upgrade the sidecar)", missing);
        }

        PolicySnapshot snapshot;
        try
        {
            snapshot = Core.SnapshotCodec.FromProto(message);
        }
        catch (PolicyException ex)
        {
            return Refuse(message, "the policy does not compile in this sidecar (an older engine?): " + ex.Message, []);
        }

        Core.DecisionEngine.Warm(snapshot);
        var failMode = message.HasFailMode
            ? message.FailMode == FailModeV1.Open ? SidecarFailMode.Open : SidecarFailMode.Closed
            : _options.FailMode;
        var budget = message.HasBudgetMs ? TimeSpan.FromMilliseconds(message.BudgetMs) : _options.Budget;
        var maxAge = message.HasMaxAgeMs ? TimeSpan.FromMilliseconds(message.MaxAgeMs) : _options.MaxSnapshotAge;
        var capture = Core.SnapshotCodec.CaptureOf(message, _options.Capture);
        Volatile.Write(ref _state, new State(snapshot, failMode, budget, maxAge, capture, Core.DecisionEngine.UsesSessionState(snapshot.Policy)));
        Heard();
        return null;
    }

    private SnapshotRefusal Refuse(PolicySnapshotV1 message, string reason, IReadOnlyList<string> missing)
    {
        var refusal = new SnapshotRefusal(message.Epoch, message.Hash, reason, missing);
        var failMode = message.HasFailMode
            ? message.FailMode == FailModeV1.Open ? SidecarFailMode.Open : SidecarFailMode.Closed
            : _options.FailMode;
        var state = Volatile.Read(ref _state);
        Volatile.Write(ref _state, state with { FailMode = failMode, Refused = refusal });
        return refusal;
    }
}

/// <summary>A pushed snapshot this sidecar could not install, and why.</summary>
internal sealed record SnapshotRefusal(ulong Epoch, string Hash, string Reason, IReadOnlyList<string> MissingFeatures)
{
    public Contracts.V1.SnapshotRefused ToProto() => new() { Epoch = Epoch, Hash = Hash, Reason = Reason, MissingFeatures = { MissingFeatures } };
}
