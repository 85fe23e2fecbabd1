using System.Diagnostics.Metrics;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Internal.Metrics;

/// <summary>
/// The server's instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>: what OpenTelemetry exports
/// (see <see cref="OtlpExport"/>), and what <c>/metrics</c> renders as Prometheus text under its own names
/// (<see cref="PrometheusText"/>). Counters carry their verdict or source as tags, so a new decision source is counted
/// under its own name; the decision path pays one tagged add, no allocation.
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "Hookline.Server";

    private readonly Meter _meter = new(MeterName);
    private readonly PrometheusText _prometheus;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _applied;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _overLimit;
    private readonly Counter<long> _storeFailures;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _ungoverned;
    private readonly Counter<long> _latenciesDropped;
    private static readonly string[] AnswerOutcomes = ["approved", "denied"];
    private readonly Counter<long> _approvalsOpened;
    private readonly Counter<long> _approvalsAnswered;
    private readonly Counter<long> _approvalsTimedOut;
    // Server-side decision time (evaluate + queue the answer).
    private readonly Histogram<double> _decisionTime;

    public ServerMetrics(AuditWriterStatus writer, PolicyHolder policy, SessionTracker sessions)
    {
        _prometheus = new PrometheusText(_meter);
        _decisions = Counter("hookline.decisions", "hookline_decisions_total", "Decisions the server made, by verdict.",
            ["effect", "source"], new[] { Verdict.Allow, Verdict.Ask, Verdict.Deny }.Select(v => new[] { Names.Of(v), "remote" }));
        _applied = Counter("hookline.applied_events", "hookline_applied_events_total", "Stored events by the source of the decision the agent got.",
            ["source"], Enum.GetValues<DecisionSource>().Where(s => s != DecisionSource.Unspecified).Select(s => new[] { Names.Of(s) }));
        _stored = Counter("hookline.stored_events", "hookline_stored_events_total", "Events written to the audit trail (replays included).");
        _duplicates = Counter("hookline.duplicate_events", "hookline_duplicate_events_total", "Replayed events that were already stored (stored once).");
        _rejected = Counter("hookline.rejected_events", "hookline_rejected_events_total",
            "Events refused for good and reported to their sidecar (another principal's session, an event id taken, an applied decision rewritten, ids that are not UUIDs).");
        _overLimit = Counter("hookline.principal_limit_refusals", "hookline_principal_limit_refusals_total",
            "Streams and decision calls refused with ResourceExhausted over their principal's limit.");
        _storeFailures = Counter("hookline.store_failures", "hookline_store_failures_total",
            "Events whose batch could not be stored (left for the sidecar to resend).");
        Gauge("hookline.audit_writer.degraded", "hookline_audit_writer_degraded",
            "1 while the audit writer retries a failing store (a full disk, a lost database).", () => writer.Degraded ? 1 : 0);
        Gauge("hookline.audit_writer.failed", "hookline_audit_writer_failed",
            "1 once the audit writer cannot go on (the server is stopping).", () => writer.Failed is null ? 0 : 1);
        Observed("hookline.audit_writer.retries", "hookline_audit_writer_retries_total", "Failed storage attempts that were retried with backoff.", () => writer.Retries);
        Observed("hookline.audit.marked_events", "hookline_audit_marked_events_total",
            "Events that could not be stored as they came, stored as marked, redacted stand-ins.", () => writer.Marked);
        Gauge("hookline.audit.queue.bytes", "hookline_audit_queue_bytes", "Bytes of events waiting to be stored.", () => writer.Queue.Held);
        Gauge("hookline.audit.queue.max_bytes", "hookline_audit_queue_max_bytes",
            "The audit queue's bound in bytes; a full queue makes streams wait.", () => writer.Queue.Capacity);
        Gauge("hookline.audit.queue.waiting", "hookline_audit_queue_waiting", "Streams waiting for room in the audit queue (backpressure).", () => writer.Queue.Waiting);
        Gauge("hookline.open_streams", "hookline_open_streams", "Open sidecar streams.", () => sessions.OpenStreamCount);
        Gauge("hookline.session_states", "hookline_session_states",
            "Sessions whose policy state (taints, rate windows, denials) is held in memory.", () => sessions.StateCount);
        Observed("hookline.session_states.dropped", "hookline_session_states_dropped_total",
            "Stored session states dropped from memory after their session went silent.", () => sessions.DroppedStateCount);
        Gauge("hookline.policy.epoch", "hookline_policy_epoch", "Epoch of the policy snapshot in force.", () => (long)policy.Current.Epoch);
        _replayed = Counter("hookline.replayed_events", "hookline_replayed_events_total",
            "Events that arrived with the decision their sidecar already applied (replays, late amendments).");
        _ungoverned = Counter("hookline.ungoverned_tool_calls", "hookline_ungoverned_tool_calls_total",
            "Tool calls that ran without a policy decision in force (coverage), by cause.", ["cause"],
            Coverage.CoverageCauses.All.Select(c => new[] { c }));
        _latenciesDropped = Counter("hookline.reported_latencies.dropped", "hookline_reported_latencies_dropped_total",
            "Latencies sidecars reported for remote decisions that were not stored (malformed, over the queue's bound, or in a failed batch).");
        _approvalsOpened = Counter("hookline.approvals.opened", "hookline_approvals_opened_total",
            "Approvals opened: asks waiting for a person's answer (identical pending requests fold into one).");
        _approvalsAnswered = Counter("hookline.approvals.answered", "hookline_approvals_answered_total",
            "Approvals a person answered, by outcome.", ["outcome"], AnswerOutcomes.Select(o => new[] { o }));
        _approvalsTimedOut = Counter("hookline.approvals.timed_out", "hookline_approvals_timed_out_total",
            "Approvals nobody answered in time (their on_timeout applied).");
        _decisionTime = _meter.CreateHistogram("hookline.decision.duration", "s", "Server-side time to decide one event.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyHistogram.Bounds });
        _prometheus.Add(_decisionTime, "hookline_decision_seconds");
        _prometheus.Start();
    }

    public void Decided(Verdict verdict, TimeSpan elapsed)
    {
        _decisions.Add(1, new KeyValuePair<string, object?>("effect", Names.Of(verdict)), new KeyValuePair<string, object?>("source", "remote"));
        _decisionTime.Record(elapsed.TotalSeconds);
    }

    /// <summary>An event arrived carrying the decision its sidecar already applied (a replay or a late amendment).</summary>
    public void Replayed() => _replayed.Add(1);

    public void Applied(DecisionSource source) => _applied.Add(1, new KeyValuePair<string, object?>("source", Names.Of(source)));

    public void Stored(int count, int duplicates)
    {
        _stored.Add(count);
        _duplicates.Add(duplicates);
    }

    /// <summary>Calls a stored batch found ungoverned, by cause (after their batch committed).</summary>
    public void Ungoverned(IReadOnlyList<string> causes)
    {
        foreach (var cause in causes)
        {
            _ungoverned.Add(1, new KeyValuePair<string, object?>("cause", cause));
        }
    }

    public void ApprovalOpened() => _approvalsOpened.Add(1);

    public void ApprovalAnswered(bool approved) => _approvalsAnswered.Add(1, new KeyValuePair<string, object?>("outcome", approved ? "approved" : "denied"));

    public void ApprovalTimedOut() => _approvalsTimedOut.Add(1);

    public void StoreFailed(int count) => _storeFailures.Add(count);

    /// <summary>Reported latencies not stored: malformed, over the audit writer's bound, or in a batch that failed.</summary>
    public void LatenciesDropped(int count) => _latenciesDropped.Add(count);

    public long LatenciesDroppedCount => _prometheus.Total(_latenciesDropped);

    /// <summary>Events refused for good (another principal's session, an id taken, an applied decision rewritten, bad ids).</summary>
    public void Rejected(int count) => _rejected.Add(count);

    /// <summary>A stream or decision call refused over its principal's limit.</summary>
    public void OverLimit() => _overLimit.Add(1);

    public long StoredCount => _prometheus.Total(_stored);

    public long StoreFailureCount => _prometheus.Total(_storeFailures);

    public long RejectedCount => _prometheus.Total(_rejected);

    public long OverLimitCount => _prometheus.Total(_overLimit);

    /// <summary>The upper bound of the histogram bucket holding quantile <paramref name="q"/>, in ms; null before any decision.</summary>
    public double? DecisionQuantileMs(double q) => _prometheus.Histogram(_decisionTime).Quantile(q) * 1000;

    /// <summary>The Prometheus text of <c>/metrics</c>.</summary>
    public string Render() => _prometheus.Render();

    public void Dispose()
    {
        _prometheus.Dispose();
        _meter.Dispose();
    }

    private Counter<long> Counter(string name, string prometheusName, string help, string[]? labels = null, IEnumerable<string[]>? seeds = null)
    {
        var counter = _meter.CreateCounter<long>(name, unit: null, description: help);
        _prometheus.Add(counter, prometheusName, labels, seeds);
        return counter;
    }

    private void Gauge(string name, string prometheusName, string help, Func<long> read)
        => _prometheus.Add(_meter.CreateObservableGauge(name, read, unit: null, description: help), prometheusName);

    /// <summary>A total kept elsewhere, read when collected.</summary>
    private void Observed(string name, string prometheusName, string help, Func<long> read)
        => _prometheus.Add(_meter.CreateObservableCounter(name, read, unit: null, description: help), prometheusName);
}
