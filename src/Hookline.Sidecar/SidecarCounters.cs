namespace Hookline.Sidecar;

/// <summary>A sidecar's counters: where its answers came from, and how the stream fared.</summary>
/// <param name="LateDecisions">Server decisions that arrived after their hook had been answered locally (dropped).</param>
/// <param name="Unacknowledged">Events the server has not yet confirmed as stored.</param>
/// <param name="Replayed">Events resent from the spool after the stream reopened.</param>
public sealed record SidecarCounters(
    long Remote,
    long Local,
    long FailClosed,
    long FailOpen,
    long NonBlocking,
    long MalformedInput,
    long BudgetMisses,
    long LateDecisions,
    long Reconnects,
    int Unacknowledged,
    long Replayed)
{
    public override string ToString() =>
        $"remote {Remote}, local {Local}, fail_closed {FailClosed}, fail_open {FailOpen}, non_blocking {NonBlocking}, " +
        $"malformed_input {MalformedInput}; budget misses {BudgetMisses}, late decisions {LateDecisions}, " +
        $"reconnects {Reconnects}, replayed {Replayed}, unacknowledged {Unacknowledged}";
}
