using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// GitHub Copilot CLI's camelCase hooks: stdin <c>{sessionId, cwd, toolName, toolArgs}</c>, tool and argument names
/// mapped to Claude's (<see cref="CopilotToolInput"/>). preToolUse answers the flat
/// <c>{"permissionDecision": "deny", "permissionDecisionReason": R}</c>; userPromptSubmitted blocks with
/// <c>{"decision": "block", "reason": R}</c>. An allow is a real grant in Copilot (the tool then runs whatever its own
/// permissions say), so only an explicit allow rule answers allow: the document's default allow answers nothing.
/// Copilot cannot ask in <c>-p</c>, so ask is a deny whose reason says approval is needed. A rewriting allow carries
/// the new arguments as <c>modifiedArgs</c>, in Copilot's own argument names.
/// </summary>
internal sealed class CopilotAdapter : IAgentAdapter
{
    private static readonly Dictionary<string, string> CanonicalEvents = new(StringComparer.Ordinal)
    {
        ["user-prompt-submitted"] = "UserPromptSubmit",
        ["agent-stop"] = "Stop",
    };

    public string Name => AgentNames.Copilot;

    public bool IsBlocking(string hookEvent) => AgentNames.IsBlocking(Name, hookEvent);

    public string CanonicalEvent(string hookEvent) => CanonicalEvents.GetValueOrDefault(hookEvent) ?? HookJson.PascalCase(hookEvent);

    public bool TryDecode(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error)
    {
        target.HookEventName = CanonicalEvent(hookEvent);
        var pascal = HookJson.PascalCase(hookEvent);
        target.NativeEvent = pascal.Length == 0 ? pascal : char.ToLowerInvariant(pascal[0]) + pascal[1..];
        if (!HookJson.TryParseObject(stdin, out var document, out error))
        {
            return false;
        }
        using (document)
        {
            var root = document!.RootElement;
            var args = root.TryGetProperty("toolArgs", out var value) ? value : default;
            if (hookEvent == "pre-tool-use" && !RequireTool(root, args, out error))
            {
                return false;
            }
            target.AgentSessionId = HookJson.String(root, "sessionId");
            target.Cwd = HookJson.String(root, "cwd");
            target.NativeToolName = HookJson.String(root, "toolName");
            target.ToolName = ToolNames.Canonicalize(target.NativeToolName);
            if (!CopilotToolInput.TryCanonical(target.ToolName, args, target.Cwd, out var toolInput, out error))
            {
                return false;
            }
            target.ToolInput = toolInput;
            target.ToolResponse = HookJson.Raw(root, "toolResult");
            target.Prompt = HookJson.String(root, "prompt");
            return true;
        }
    }

    private static bool RequireTool(JsonElement root, JsonElement args, out string error)
    {
        error = "";
        if (HookJson.String(root, "toolName").Length == 0)
        {
            error = "hook input has no toolName";
            return false;
        }
        if (args.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined))
        {
            error = $"toolArgs is a JSON {args.ValueKind}, expected an object";
            return false;
        }
        return true;
    }

    public HookReply Encode(string hookEvent, HookOutcome outcome)
    {
        if (!IsBlocking(hookEvent) || (outcome.Verdict == Verdict.Allow && outcome.IsDefault))
        {
            return HookReply.Empty;
        }
        if (hookEvent == "user-prompt-submitted")
        {
            return ClaudeAdapter.UserPromptSubmit(outcome);
        }
        var (decision, reason) = outcome.Verdict switch
        {
            Verdict.Allow => ("allow", outcome.Reason),
            Verdict.Ask => ("deny", "approval needed: " + outcome.Reason),
            _ => ("deny", outcome.Reason),
        };
        return HookJson.Json(HookJson.Write(w =>
        {
            w.WriteString("permissionDecision", decision);
            w.WriteString("permissionDecisionReason", reason);
            if (outcome.Verdict == Verdict.Allow && !outcome.UpdatedInput.IsEmpty)
            {
                // Copilot runs the tool with modifiedArgs in place of the model's arguments: the whole input, not a patch.
                w.WritePropertyName("modifiedArgs");
                CopilotToolInput.WriteNative(w, outcome.UpdatedInput.Span, outcome.DecodedInput.Span);
            }
        }));
    }
}
