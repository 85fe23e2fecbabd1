using System.Text.Json;
using Hookline.Policy;

namespace Hookline.Cli.Output;

/// <summary>The machine-readable form of <c>hookline policy explain --json</c>.</summary>
internal static class ExplanationJson
{
    public static string Write(PolicyExplanation explanation, RewriteExplanation? rewrite = null, ApprovalSubject? subject = null)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            var decision = explanation.Decision;
            json.WriteStartObject();
            json.WriteString("decision", Name(decision.Effect));
            json.WriteBoolean("is_default", decision.IsDefault);
            json.WriteString("reason_code", decision.ReasonCode);
            json.WriteString("reason", decision.Reason);
            WriteList(json, "rule_ids", decision.RuleIds);
            json.WriteString("matched", decision.Matched);
            WriteApproval(json, decision.Approval, subject);
            json.WriteString("tool", explanation.Tool);
            WriteList(json, "sub_commands", explanation.SubCommands);
            WriteList(json, "write_targets", explanation.WriteTargets);
            WriteList(json, "read_targets", explanation.ReadTargets);
            json.WriteString("path", explanation.Path);
            json.WriteString("host", explanation.Host);
            json.WriteString("unparsable", explanation.UnparsableReason);
            json.WriteStartArray("matches");
            foreach (var match in explanation.Matches)
            {
                json.WriteStartObject();
                json.WriteString("rule_id", match.RuleId);
                json.WriteString("effect", Name(match.Effect));
                json.WriteString("pattern", match.Pattern);
                json.WriteString("subject", match.Subject);
                json.WriteBoolean("applied", match.Applied);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            rewrite?.WriteJson(json);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The approval an ask needs (null when the agent's own prompt answers it), with what a person approves.</summary>
    private static void WriteApproval(Utf8JsonWriter json, ApprovalSpec? approval, ApprovalSubject? subject)
    {
        if (approval is null)
        {
            json.WriteNull("approval");
            return;
        }

        json.WriteStartObject("approval");
        WriteList(json, "by", approval.By);
        json.WriteNumber("timeout_ms", (long)approval.Timeout.TotalMilliseconds);
        json.WriteString("on_timeout", Name(approval.OnTimeout));
        json.WriteString("remember", approval.RememberSession ? "session" : "once");
        json.WriteBoolean("self_approve", approval.SelfApprove);
        json.WriteString("rule_id", approval.RuleId);
        json.WriteString("subject", subject?.Subject);
        json.WriteString("subject_key", subject?.Key);
        json.WriteEndObject();
    }

    private static string Name(Effect effect) => effect.ToString().ToLowerInvariant();

    private static void WriteList(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }
        json.WriteEndArray();
    }
}
