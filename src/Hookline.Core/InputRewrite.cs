using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Shared;

namespace Hookline.Core;

/// <summary>
/// An allow rule's <c>set:</c> rewrites the tool's input. Only some agents can take a rewritten input from a hook
/// (Claude Code in PreToolUse and PermissionRequest, Codex in PreToolUse, Gemini CLI in BeforeTool); for every other
/// agent and event the rewrite cannot be applied, and running the unchanged input would silently ignore the policy,
/// so it is denied.
/// </summary>
public static class InputRewrite
{
    public const string UnsupportedReasonCode = "rewrite_unsupported";

    /// <summary>
    /// The stream capability of a sidecar whose adapters apply every rewrite <see cref="Supported(string, string)"/>
    /// allows. A sidecar without it (an older version) applies Claude's only and would run anything else unchanged.
    /// </summary>
    public const string SidecarCapability = "input-rewrite-2";

    /// <summary>Whether <paramref name="hookEvent"/>'s agent can run the tool with a rewritten input.</summary>
    public static bool Supported(HookEvent hookEvent) => Supported(hookEvent.Agent, hookEvent.HookEventName);

    /// <summary>Whether <paramref name="agent"/> can run the tool with a rewritten input in the canonical <paramref name="hookEventName"/>.</summary>
    public static bool Supported(string agent, string hookEventName) => AgentNames.Find(agent)?.RewritesInputIn(hookEventName) ?? false;

    /// <summary>Whether an evaluated decision rewrites at all: an explicit allow, in enforce mode, of a document with <c>set:</c>.</summary>
    public static bool Applies(PolicyDocument document, PolicyDecision evaluated) =>
        document.RewritesInput && evaluated.Effect == Effect.Allow && !evaluated.IsDefault && document.Mode == Hookline.Policy.PolicyMode.Enforce;

    /// <summary>What the deciding rules' <c>set:</c> does to <paramref name="toolInput"/>, for explaining it; null when nothing is rewritten.</summary>
    public static InputRewritePreview? Preview(PolicyDocument document, PolicyDecision evaluated, ReadOnlySpan<byte> toolInput)
    {
        var fields = Applies(document, evaluated) ? Fields(document, evaluated.RuleIds) : [];
        if (fields.Count == 0)
        {
            return null;
        }
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!toolInput.IsEmpty)
        {
            using var input = JsonDocument.Parse(toolInput.ToArray());
            if (input.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in input.RootElement.EnumerateObject())
                {
                    before[property.Name] = property.Value.GetRawText();
                }
            }
        }
        return new InputRewritePreview(
            RewritingRules(document, evaluated),
            fields.Select(f => new InputRewriteField(f.Key, before.GetValueOrDefault(f.Key), f.Value)).ToArray(),
            Rewrite(toolInput, fields));
    }

    private static string[] RewritingRules(PolicyDocument document, PolicyDecision evaluated)
        => evaluated.RuleIds.Where(id => document.Rules.Any(r => r.Id == id && r.Set.Count > 0)).ToArray();

    /// <summary>Puts the rewritten input into <paramref name="decision"/>, or turns it into a deny where it cannot be applied.</summary>
    public static void Apply(HookEvent hookEvent, PolicyDocument document, PolicyDecision evaluated, Decision decision)
    {
        var fields = Fields(document, evaluated.RuleIds);
        if (fields.Count == 0)
        {
            return;
        }
        var rules = string.Join(", ", RewritingRules(document, evaluated));
        if (!Supported(hookEvent))
        {
            decision.Verdict = Verdict.Deny;
            decision.ReasonCode = UnsupportedReasonCode;
            decision.Reason = $"the policy rewrites this tool's input (rule {rules}), and {hookEvent.Agent} {hookEvent.HookEventName} hooks "
                + "cannot pass a rewritten input on: denied rather than run unchanged";
            return;
        }
        decision.UpdatedInput = ByteString.CopyFrom(Rewrite(hookEvent.ToolInput.Span, fields));
        decision.Reason = $"input rewritten by rule {rules}: " + string.Join(", ", fields.Select(f => f.Key));
    }

    /// <summary>
    /// Turns a rewriting allow into a deny when whoever applies <paramref name="decision"/> could not pass the rewrite
    /// on: an agent or event without rewrites, or (<paramref name="sidecarCapable"/> false) an older sidecar that
    /// applies Claude's rewrites only. Returns true when it did. The original input must never run in the rewrite's place.
    /// </summary>
    public static bool HoldBack(HookEvent hookEvent, Decision decision, bool sidecarCapable = true)
    {
        if (decision.UpdatedInput.IsEmpty || decision.Verdict != Verdict.Allow)
        {
            return false;
        }
        var deliverable = Supported(hookEvent) && (sidecarCapable || hookEvent.Agent == AgentNames.Claude);
        if (deliverable)
        {
            return false;
        }
        decision.Verdict = Verdict.Deny;
        decision.ReasonCode = UnsupportedReasonCode;
        decision.Reason = $"the policy rewrites this tool's input, and this {(sidecarCapable ? "" : "older sidecar's ")}{hookEvent.Agent} "
            + $"{hookEvent.HookEventName} answer cannot pass a rewritten input on: denied rather than run unchanged";
        decision.UpdatedInput = ByteString.Empty;
        return true;
    }

    /// <summary>The fields of every deciding rule's <c>set:</c>; for a field set by several rules, the first rule's value.</summary>
    private static List<KeyValuePair<string, string>> Fields(PolicyDocument document, IReadOnlyList<string> ruleIds)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var rule in document.Rules)
        {
            if (rule.Set.Count == 0 || !ruleIds.Contains(rule.Id))
            {
                continue;
            }
            foreach (var field in rule.Set)
            {
                if (!fields.Any(f => f.Key == field.Key))
                {
                    fields.Add(field);
                }
            }
        }
        return fields;
    }

    /// <summary>The tool input with <paramref name="fields"/> replaced or added; every other field as it was.</summary>
    public static byte[] Rewrite(ReadOnlySpan<byte> toolInput, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (!toolInput.IsEmpty)
            {
                using var input = JsonDocument.Parse(toolInput.ToArray());
                if (input.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in input.RootElement.EnumerateObject())
                    {
                        if (!fields.Any(f => f.Key == property.Name))
                        {
                            property.WriteTo(writer);
                        }
                    }
                }
            }
            foreach (var (name, json) in fields)
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(json);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
