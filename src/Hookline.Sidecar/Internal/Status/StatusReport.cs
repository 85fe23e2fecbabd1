using System.Globalization;
using System.Text.Json;
using System.Text;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Sidecar.Internal.ServerStream;
using Hookline.Sidecar.Internal.Spool;

namespace Hookline.Sidecar.Internal.Status;

/// <summary>
/// What <c>hookline sidecar status</c> prints: the session, the stream, the snapshot and the counters, as text
/// (Prometheus exposition lines after a short header) or as one JSON object.
/// </summary>
internal sealed class StatusReport(string sessionId, ServerConnection connection, SnapshotHolder snapshots,
    PendingDecisions pending, EventSpool spool, SidecarStats stats)
{
    private static readonly Verdict[] Effects = [Verdict.Allow, Verdict.Ask, Verdict.Deny];
    private static readonly DecisionSource[] Sources =
    [
        DecisionSource.Remote, DecisionSource.Local, DecisionSource.FailClosed, DecisionSource.FailOpen,
        DecisionSource.NonBlocking, DecisionSource.MalformedInput, DecisionSource.Approval, DecisionSource.ApprovalTimeout,
    ];

    private (string Name, string Help, long Value)[] Scalars() =>
    [
        ("hookline_budget_misses_total", "Blocking hooks the server did not answer within the budget.", stats.BudgetMisses),
        ("hookline_late_decisions_total", "Server decisions that arrived after their hook was answered locally (dropped).", pending.LateCount),
        ("hookline_stream_reconnects_total", "Times the stream to the server went down and was reopened.", connection.Reconnects),
        ("hookline_spool_events", "Events the server has not yet confirmed as stored.", spool.Count),
        ("hookline_replayed_events_total", "Events resent from the spool after the stream reopened.", connection.Replayed),
        ("hookline_spool_bytes", "Bytes of the events the server has not yet confirmed.", spool.Bytes),
        ("hookline_shed_payloads_total", "Captured payloads the spool dropped, oldest first, to stay under its size cap (records kept).", spool.Shed),
        ("hookline_spool_writer_degraded", "1 while writes to the spool file fail and are retried (a full disk, an I/O error).", spool.Disk?.Retrying is null ? 0 : 1),
        ("hookline_spool_writer_failed", "1 once the spool writer cannot go on (the sidecar stops).", spool.Disk?.Failure is null ? 0 : 1),
        ("hookline_spool_writer_retries_total", "Failed writes to the spool file that were retried with backoff.", spool.Disk?.Retries ?? 0),
        ("hookline_spool_marked_events_total", "Events the spool could not copy as they came, kept as marked, redacted stand-ins.", spool.Disk?.Marked ?? 0),
    ];

    private string SpoolWriter => spool.Disk?.Failure is { } failed ? "failed: " + failed
        : spool.Disk?.Retrying is { } retrying ? "degraded: " + retrying
        : "ok";

    public string Render(bool json) => json ? Json() : Text();

    private string Text()
    {
        var text = new StringBuilder(2048);
        var age = snapshots.Age;
        text.Append(CultureInfo.InvariantCulture, $"# session {sessionId}\n");
        var replica = connection.ServerInstance.Length > 0 ? $" (replica {connection.ServerInstance})" : "";
        text.Append(CultureInfo.InvariantCulture, $"# stream {(connection.IsConnected ? "connected" : "down")} to {connection.ServerUrl}{replica}\n");
        text.Append(CultureInfo.InvariantCulture, $"# spool writer {SpoolWriter}\n");
        text.Append(CultureInfo.InvariantCulture,
            $"# policy epoch {snapshots.Epoch}, snapshot age {(age is { } a ? $"{a.TotalSeconds:0.0} s" : "none")} (max {snapshots.MaxAge.TotalSeconds:0} s), " +
            $"fail mode {FailMode}, budget {snapshots.Budget.TotalMilliseconds:0} ms\n");
        if (snapshots.Refused is { } refused)
        {
            text.Append(CultureInfo.InvariantCulture, $"# policy epoch {refused.Epoch} refused, local decisions apply the fail mode: {refused.Reason}\n");
        }
        text.Append("# HELP hookline_decisions_total Hooks answered, by effect and source.\n# TYPE hookline_decisions_total counter\n");
        foreach (var source in Sources)
        {
            foreach (var effect in Effects)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"hookline_decisions_total{{effect=\"{Names.Of(effect)}\",source=\"{Names.Of(source)}\"}} {stats.Of(effect, source)}\n");
            }
        }
        foreach (var (name, help, value) in Scalars())
        {
            var type = name.EndsWith("_total", StringComparison.Ordinal) ? "counter" : "gauge";
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");
        }
        stats.DecisionTime.Render(text, "hookline_decision_seconds", "Time from reading a blocking hook's request to answering it.");
        return text.ToString();
    }

    private string FailMode => snapshots.FailMode == SidecarFailMode.Open ? "open" : "closed";

    private string Json()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("session_id", sessionId);
            // The replica in use (or tried next), which changes on failover.
            w.WriteString("server", connection.ServerUrl);
            // Who answered behind that address (a proxy's address names no replica).
            w.WriteString("server_instance", connection.ServerInstance);
            w.WriteString("stream", connection.IsConnected ? "connected" : "down");
            w.WriteString("spool_writer", SpoolWriter);
            w.WriteNumber("policy_epoch", snapshots.Epoch);
            if (snapshots.Age is { } age)
            {
                w.WriteNumber("snapshot_age_ms", (long)age.TotalMilliseconds);
            }
            else
            {
                w.WriteNull("snapshot_age_ms");
            }
            w.WriteNumber("max_snapshot_age_ms", (long)snapshots.MaxAge.TotalMilliseconds);
            w.WriteString("fail_mode", FailMode);
            if (snapshots.Refused is { } refused)
            {
                w.WriteStartObject("policy_refused");
                w.WriteNumber("epoch", refused.Epoch);
                w.WriteString("reason", refused.Reason);
                w.WriteStartArray("missing_features");
                foreach (var feature in refused.MissingFeatures)
                {
                    w.WriteStringValue(feature);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteNumber("budget_ms", snapshots.Budget.TotalMilliseconds);
            w.WriteStartObject("counters");
            w.WriteStartArray("hookline_decisions_total");
            foreach (var source in Sources)
            {
                foreach (var effect in Effects)
                {
                    w.WriteStartObject();
                    w.WriteString("effect", Names.Of(effect));
                    w.WriteString("source", Names.Of(source));
                    w.WriteNumber("value", stats.Of(effect, source));
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            foreach (var (name, _, value) in Scalars())
            {
                w.WriteNumber(name, value);
            }
            w.WriteStartObject("hookline_decision_seconds");
            var cumulative = stats.DecisionTime.Cumulative();
            w.WriteNumber("count", cumulative[^1]);
            w.WriteNumber("sum", stats.DecisionTime.Sum.TotalSeconds);
            w.WriteStartObject("buckets");
            for (var i = 0; i < LatencyHistogram.Bounds.Count; i++)
            {
                w.WriteNumber(LatencyHistogram.Bounds[i].ToString(CultureInfo.InvariantCulture), cumulative[i]);
            }
            w.WriteNumber("+Inf", cumulative[^1]);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
