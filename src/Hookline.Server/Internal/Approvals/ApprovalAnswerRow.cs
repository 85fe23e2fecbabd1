using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// The audit row of an answer (or a timeout): an event of the approval's session, chained like every other, so
/// <c>hookline verify</c> covers who answered, when, through which channel and why. Its user is the approver (empty on
/// a timeout); its tool_use_id the approval's id, which survives capture none; its tool_input a small JSON of the rest.
/// </summary>
internal static class ApprovalAnswerRow
{
    public static (HookEvent Event, Decision Decision) Of(ApprovalView approval, ulong policyEpoch, DateTimeOffset now)
    {
        var resolved = ApprovalDecisions.Resolved(approval, policyEpoch);
        var hookEvent = new HookEvent
        {
            EventId = Guid.NewGuid().ToString(),
            SessionId = approval.SessionId,
            Agent = approval.Agent,
            HookEventName = ApprovalProtocol.AnswerEventName,
            NativeEvent = ApprovalProtocol.AnswerEventName,
            ToolName = approval.ToolName,
            ToolUseId = approval.Id,
            ToolInput = ByteString.CopyFrom(Input(approval, resolved.Channel)),
            User = approval.AnsweredBy ?? "",
            Org = approval.Org,
            Time = Timestamp.FromDateTimeOffset(now),
        };
        var decision = new Decision
        {
            EventId = hookEvent.EventId,
            Verdict = resolved.Verdict,
            Evaluated = resolved.Verdict,
            Reason = resolved.Reason,
            ReasonCode = resolved.ReasonCode,
            PolicyEpoch = policyEpoch,
        };
        if (approval.RuleId.Length > 0)
        {
            decision.RuleIds.Add(approval.RuleId);
        }
        return (hookEvent, decision);
    }

    private static byte[] Input(ApprovalView approval, string channel)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("approval_id", approval.Id);
            json.WriteString("event_id", approval.EventId);
            json.WriteString("channel", channel);
            json.WriteString("answered_by", approval.AnsweredBy ?? "");
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
