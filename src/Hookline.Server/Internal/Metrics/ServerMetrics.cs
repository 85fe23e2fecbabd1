using System.Text;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Internal.Metrics;

/// <summary>
/// The server's counters, rendered as Prometheus text on <c>/metrics</c>. Plain interlocked counters: the decision
/// path pays a few nanoseconds, no allocation.
/// </summary>
internal sealed class ServerMetrics(AuditWriterStatus writer)
{
    // Indexed by Verdict (0..3).
    private readonly long[] _decisions = new long[4];
    private readonly long[] _appliedBySource = new long[8];
    private long _stored;
    private long _duplicates;
    private long _storeFailures;
    private long _replayed;
    private long _rejected;
    private long _overLimit;
    // Server-side decision time (evaluate + queue the answer).
    private readonly LatencyHistogram _decisionTime = new();

    public void Decided(Verdict verdict, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _decisions[Math.Clamp((int)verdict, 0, 3)]);
        _decisionTime.Record(elapsed);
    }

    /// <summary>An event arrived carrying the decision its sidecar already applied (a replay or a late amendment).</summary>
    public void Replayed() => Interlocked.Increment(ref _replayed);

    public void Applied(DecisionSource source) => Interlocked.Increment(ref _appliedBySource[Math.Clamp((int)source, 0, 7)]);

    public void Stored(int count, int duplicates)
    {
        Interlocked.Add(ref _stored, count);
        Interlocked.Add(ref _duplicates, duplicates);
    }

    public void StoreFailed(int count) => Interlocked.Add(ref _storeFailures, count);

    /// <summary>Events refused for good (another principal's session, an id taken, an applied decision rewritten, bad ids).</summary>
    public void Rejected(int count) => Interlocked.Add(ref _rejected, count);

    /// <summary>A stream or decision call refused over its principal's limit.</summary>
    public void OverLimit() => Interlocked.Increment(ref _overLimit);

    public long StoredCount => Interlocked.Read(ref _stored);

    public long StoreFailureCount => Interlocked.Read(ref _storeFailures);

    public long RejectedCount => Interlocked.Read(ref _rejected);

    public long OverLimitCount => Interlocked.Read(ref _overLimit);

    /// <summary>The upper bound of the histogram bucket holding quantile <paramref name="q"/>, in ms; null before any decision.</summary>
    public double? DecisionQuantileMs(double q) => _decisionTime.Quantile(q) * 1000;

    public string Render(ulong epoch, SessionTracker sessions)
    {
        var text = new StringBuilder(2048);
        void Line(string line) => text.Append(line).Append('\n');
        Line("# HELP hookline_decisions_total Decisions the server made, by verdict.");
        Line("# TYPE hookline_decisions_total counter");
        foreach (var verdict in new[] { Verdict.Allow, Verdict.Ask, Verdict.Deny })
        {
            Line($"hookline_decisions_total{{effect=\"{Names.Of(verdict)}\",source=\"remote\"}} {Interlocked.Read(ref _decisions[(int)verdict])}");
        }
        Line("# HELP hookline_applied_events_total Stored events by the source of the decision the agent got.");
        Line("# TYPE hookline_applied_events_total counter");
        foreach (var source in Enum.GetValues<DecisionSource>().Where(s => s != DecisionSource.Unspecified))
        {
            Line($"hookline_applied_events_total{{source=\"{Names.Of(source)}\"}} {Interlocked.Read(ref _appliedBySource[(int)source])}");
        }
        Line("# HELP hookline_stored_events_total Events written to the audit trail (replays included).");
        Line("# TYPE hookline_stored_events_total counter");
        Line($"hookline_stored_events_total {Interlocked.Read(ref _stored)}");
        Line("# HELP hookline_duplicate_events_total Replayed events that were already stored (stored once).");
        Line("# TYPE hookline_duplicate_events_total counter");
        Line($"hookline_duplicate_events_total {Interlocked.Read(ref _duplicates)}");
        Line("# HELP hookline_rejected_events_total Events refused for good and reported to their sidecar (another principal's session, an event id taken, an applied decision rewritten, ids that are not UUIDs).");
        Line("# TYPE hookline_rejected_events_total counter");
        Line($"hookline_rejected_events_total {Interlocked.Read(ref _rejected)}");
        Line("# HELP hookline_principal_limit_refusals_total Streams and decision calls refused with ResourceExhausted over their principal's limit.");
        Line("# TYPE hookline_principal_limit_refusals_total counter");
        Line($"hookline_principal_limit_refusals_total {Interlocked.Read(ref _overLimit)}");
        Line("# HELP hookline_store_failures_total Events whose batch could not be stored (left for the sidecar to resend).");
        Line("# TYPE hookline_store_failures_total counter");
        Line($"hookline_store_failures_total {Interlocked.Read(ref _storeFailures)}");
        Line("# HELP hookline_audit_writer_degraded 1 while the audit writer retries a failing store (a full disk, a lost database).");
        Line("# TYPE hookline_audit_writer_degraded gauge");
        Line($"hookline_audit_writer_degraded {(writer.Degraded ? 1 : 0)}");
        Line("# HELP hookline_audit_writer_failed 1 once the audit writer cannot go on (the server is stopping).");
        Line("# TYPE hookline_audit_writer_failed gauge");
        Line($"hookline_audit_writer_failed {(writer.Failed is null ? 0 : 1)}");
        Line("# HELP hookline_audit_writer_retries_total Failed storage attempts that were retried with backoff.");
        Line("# TYPE hookline_audit_writer_retries_total counter");
        Line($"hookline_audit_writer_retries_total {writer.Retries}");
        Line("# HELP hookline_audit_marked_events_total Events that could not be stored as they came, stored as marked, redacted stand-ins.");
        Line("# TYPE hookline_audit_marked_events_total counter");
        Line($"hookline_audit_marked_events_total {writer.Marked}");
        Line("# HELP hookline_audit_queue_bytes Bytes of events waiting to be stored.");
        Line("# TYPE hookline_audit_queue_bytes gauge");
        Line($"hookline_audit_queue_bytes {writer.Queue.Held}");
        Line("# HELP hookline_audit_queue_max_bytes The audit queue's bound in bytes; a full queue makes streams wait.");
        Line("# TYPE hookline_audit_queue_max_bytes gauge");
        Line($"hookline_audit_queue_max_bytes {writer.Queue.Capacity}");
        Line("# HELP hookline_audit_queue_waiting Streams waiting for room in the audit queue (backpressure).");
        Line("# TYPE hookline_audit_queue_waiting gauge");
        Line($"hookline_audit_queue_waiting {writer.Queue.Waiting}");
        Line("# HELP hookline_open_streams Open sidecar streams.");
        Line("# TYPE hookline_open_streams gauge");
        Line($"hookline_open_streams {sessions.OpenStreamCount}");
        Line("# HELP hookline_session_states Sessions whose policy state (taints, rate windows, denials) is held in memory.");
        Line("# TYPE hookline_session_states gauge");
        Line($"hookline_session_states {sessions.StateCount}");
        Line("# HELP hookline_session_states_dropped_total Stored session states dropped from memory after their session went silent.");
        Line("# TYPE hookline_session_states_dropped_total counter");
        Line($"hookline_session_states_dropped_total {sessions.DroppedStateCount}");
        Line("# HELP hookline_policy_epoch Epoch of the policy snapshot in force.");
        Line("# TYPE hookline_policy_epoch gauge");
        Line($"hookline_policy_epoch {epoch}");
        Line("# HELP hookline_replayed_events_total Events that arrived with the decision their sidecar already applied (replays, late amendments).");
        Line("# TYPE hookline_replayed_events_total counter");
        Line($"hookline_replayed_events_total {Interlocked.Read(ref _replayed)}");
        _decisionTime.Render(text, "hookline_decision_seconds", "Server-side time to decide one event.");
        return text.ToString();
    }
}
