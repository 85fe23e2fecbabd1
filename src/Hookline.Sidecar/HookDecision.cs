namespace Hookline.Sidecar;

/// <summary>How one hook was answered; raised by <see cref="HooklineSidecar.Decided"/>.</summary>
/// <param name="Verdict">allow, deny or ask.</param>
/// <param name="Source">remote, local, fail_closed, fail_open, non_blocking or malformed_input.</param>
/// <param name="LatencyMicroseconds">From the moment the sidecar read the request to the moment it answered.</param>
public sealed record HookDecision(
    string EventId,
    string Agent,
    string Event,
    string Tool,
    string Verdict,
    string Source,
    string Reason,
    IReadOnlyList<string> RuleIds,
    ulong PolicyEpoch,
    long LatencyMicroseconds);
