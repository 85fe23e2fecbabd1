using System.Text;
using System.Text.Json;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Shared;

namespace Hookline.Cli.Output;

/// <summary>
/// The part of <c>hookline policy explain</c> that shows an allow rule's <c>set:</c>: which fields it changes, the
/// whole input the tool would run with, and which agents can run it (elsewhere the decision becomes a deny).
/// </summary>
internal sealed class RewriteExplanation
{
    private readonly InputRewritePreview _preview;
    private readonly string _hookEvent;
    private readonly string? _agent;

    private RewriteExplanation(InputRewritePreview preview, string hookEvent, string? agent)
    {
        _preview = preview;
        _hookEvent = hookEvent;
        _agent = agent;
    }

    /// <summary>The rewrite the decision carries for <paramref name="input"/>, or null when it rewrites nothing.</summary>
    public static RewriteExplanation? For(CompiledPolicy policy, PolicyDecision decision, PolicyInput input)
    {
        var toolInput = input.ToolInput.ValueKind == JsonValueKind.Object ? Encoding.UTF8.GetBytes(input.ToolInput.GetRawText()) : [];
        return InputRewrite.Preview(policy.Document, decision, toolInput) is { } preview
            ? new RewriteExplanation(preview, input.HookEvent, input.Agent)
            : null;
    }

    private IEnumerable<string> AppliedBy => AgentNames.Names(a => InputRewrite.Supported(a.Name, _hookEvent));

    /// <summary>False when the agent named with <c>--agent</c> cannot run a rewritten input here: the decision is then a deny.</summary>
    private bool? AgentApplies => _agent is null ? null : InputRewrite.Supported(_agent, _hookEvent);

    public string Text()
    {
        var lines = new List<string> { $"rewrite: rule {string.Join(", ", _preview.RuleIds)} sets {string.Join(", ", _preview.Fields.Select(f => f.Name))}" };
        lines.AddRange(_preview.Fields.Select(f => f.Changed
            ? $"  {f.Name}: {f.Before ?? "(absent)"} -> {f.After}"
            : $"  {f.Name}: {f.After} (unchanged)"));
        lines.Add("rewritten input: " + Encoding.UTF8.GetString(_preview.RewrittenInput));
        var appliedBy = AppliedBy.ToList();
        lines.Add(AgentApplies switch
        {
            true => $"{_agent} runs the tool with the rewritten input",
            false => $"{_agent} cannot run a rewritten input in {_hookEvent}: the decision becomes deny ({InputRewrite.UnsupportedReasonCode})",
            null => appliedBy.Count == 0
                ? $"no agent can run a rewritten input in {_hookEvent}: the decision becomes deny ({InputRewrite.UnsupportedReasonCode})"
                : $"run with it by: {string.Join(", ", appliedBy)}; for other agents the decision becomes deny ({InputRewrite.UnsupportedReasonCode})",
        });
        return string.Join('\n', lines);
    }

    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject("rewrite");
        json.WriteStartArray("rule_ids");
        foreach (var id in _preview.RuleIds)
        {
            json.WriteStringValue(id);
        }
        json.WriteEndArray();
        json.WriteStartArray("fields");
        foreach (var field in _preview.Fields)
        {
            json.WriteStartObject();
            json.WriteString("name", field.Name);
            json.WritePropertyName("before");
            if (field.Before is null)
            {
                json.WriteNullValue();
            }
            else
            {
                json.WriteRawValue(field.Before);
            }
            json.WritePropertyName("after");
            json.WriteRawValue(field.After);
            json.WriteBoolean("changed", field.Changed);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WritePropertyName("input");
        json.WriteRawValue(_preview.RewrittenInput);
        json.WriteStartArray("applied_by");
        foreach (var agent in AppliedBy)
        {
            json.WriteStringValue(agent);
        }
        json.WriteEndArray();
        if (AgentApplies is { } applies)
        {
            json.WriteBoolean("applies_for_agent", applies);
        }
        json.WriteEndObject();
    }
}
