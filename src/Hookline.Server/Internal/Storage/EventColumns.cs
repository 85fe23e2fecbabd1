using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Server.Internal.Storage;

/// <summary>One audit record as the columns of an <c>events</c> row, shared by both stores so they store alike.</summary>
internal static class EventColumns
{
    public static readonly string[] Names =
    [
        "event_id", "session_id", "agent", "agent_session_id", "hook_event", "native_event", "tool_name",
        "native_tool_name", "tool_use_id", "tool_input", "tool_response", "raw_input", "prompt", "cwd", "permission_mode",
        "payload_truncated", "event_time_ms", "received_at_ms", "verdict", "evaluated", "is_default", "reason",
        "reason_code", "rule_ids", "matched", "policy_epoch", "applied_verdict", "applied_source", "applied_reason",
        "applied_rule_ids", "applied_epoch", "applied_latency_us", "mode", "stored_at_ms", "payload_shed", "payload_bytes",
        "user_name", "org", "authenticated",
    ];

    /// <summary>The columns a replay that carries the sidecar's applied decision may overwrite.</summary>
    public static readonly string[] Applied =
        ["applied_verdict", "applied_source", "applied_reason", "applied_rule_ids", "applied_epoch", "applied_latency_us"];

    /// <summary>Values in the order of <see cref="Names"/>: string, byte[], long or null.</summary>
    public static void Fill(AuditRecord record, long storedAtMs, object?[] values)
    {
        var e = record.Event;
        var d = record.Decision;
        var applied = e.Applied;
        var i = 0;
        values[i++] = e.EventId;
        values[i++] = e.SessionId;
        values[i++] = e.Agent;
        values[i++] = e.AgentSessionId;
        values[i++] = e.HookEventName;
        values[i++] = e.NativeEvent;
        values[i++] = e.ToolName;
        values[i++] = e.NativeToolName;
        values[i++] = e.ToolUseId;
        values[i++] = Bytes(e.ToolInput);
        values[i++] = Bytes(e.ToolResponse);
        values[i++] = Bytes(e.RawInput);
        values[i++] = e.Prompt.Length == 0 ? null : e.Prompt;
        values[i++] = e.Cwd;
        values[i++] = e.PermissionMode;
        values[i++] = e.PayloadTruncated ? 1L : 0L;
        values[i++] = e.Time is null ? record.ReceivedAtUnixMs : e.Time.ToDateTimeOffset().ToUnixTimeMilliseconds();
        values[i++] = record.ReceivedAtUnixMs;
        values[i++] = d is null ? null : Core.Names.Of(d.Verdict);
        values[i++] = d is null ? null : Core.Names.Of(d.Evaluated);
        values[i++] = d is null ? null : d.IsDefault ? 1L : 0L;
        values[i++] = d?.Reason;
        values[i++] = d?.ReasonCode;
        values[i++] = d is null ? null : string.Join(',', d.RuleIds);
        values[i++] = d?.Matched;
        values[i++] = d is null ? null : (long)d.PolicyEpoch;
        if (applied is not null)
        {
            values[i++] = Core.Names.Of(applied.Verdict);
            values[i++] = Core.Names.Of(applied.Source);
            values[i++] = applied.Reason;
            values[i++] = string.Join(',', applied.RuleIds);
            values[i++] = (long)applied.PolicyEpoch;
            values[i++] = (long)applied.LatencyUs;
        }
        else
        {
            // Until a sidecar says otherwise, what the agent got is the server's own answer.
            values[i++] = d is null ? null : Core.Names.Of(d.Verdict);
            values[i++] = d is null ? "non_blocking" : "remote";
            values[i++] = d?.Reason;
            values[i++] = d is null ? null : string.Join(',', d.RuleIds);
            values[i++] = d is null ? null : (long)d.PolicyEpoch;
            values[i++] = null;
        }
        values[i++] = d is null ? null : d.Mode switch
        {
            PolicyMode.Observe => "observe",
            PolicyMode.Disabled => "disabled",
            PolicyMode.Enforce => "enforce",
            _ => null,
        };
        values[i++] = storedAtMs;
        // The sidecar may shed an event's payload under its spool cap; the audit trail says so, and how much.
        values[i++] = e.PayloadShed ? 1L : 0L;
        values[i++] = e.PayloadShed ? (long)e.PayloadBytes : null;
        values[i++] = e.User;
        values[i++] = e.Org;
        values[i] = record.Authenticated ? 1L : 0L;
    }

    private static byte[]? Bytes(ByteString bytes) => bytes.IsEmpty ? null : bytes.ToByteArray();
}
