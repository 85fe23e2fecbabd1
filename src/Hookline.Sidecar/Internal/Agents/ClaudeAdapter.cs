using Hookline.Contracts.V1;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// Claude Code: <c>hookSpecificOutput.permissionDecision</c> for PreToolUse, <c>decision.behavior</c> for PermissionRequest.
/// Also GitHub Copilot CLI running a project's Claude hooks, which sends Copilot's argument names (see <see cref="ArgumentNames"/>).
/// </summary>
internal sealed class ClaudeAdapter : IAgentAdapter
{
    public string Name => AgentNames.Claude;

    public bool IsBlocking(string hookEvent) => AgentNames.IsBlocking(Name, hookEvent);

    public string CanonicalEvent(string hookEvent) => HookJson.PascalCase(hookEvent);

    public bool TryDecode(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error)
        => DecodeClaudeFormat(hookEvent, stdin, target, IsBlocking(hookEvent), out error);

    /// <summary>Claude's stdin format, which Codex shares.</summary>
    public static bool DecodeClaudeFormat(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, bool blocking, out string error)
    {
        target.HookEventName = HookJson.PascalCase(hookEvent);
        target.NativeEvent = target.HookEventName;
        if (!HookJson.TryParseObject(stdin, out var document, out error))
        {
            return false;
        }
        using (document)
        {
            var root = document!.RootElement;
            var native = HookJson.String(root, "hook_event_name");
            if (native.Length > 0)
            {
                target.NativeEvent = native;
            }
            if (blocking && hookEvent is "pre-tool-use" or "permission-request" && !HookJson.RequireTool(root, out error))
            {
                return false;
            }
            HookJson.FillCommon(root, target);
            target.ToolName = Hookline.Policy.ToolNames.Canonicalize(target.NativeToolName);
            // GitHub Copilot CLI runs a project's Claude hooks with Claude's tool names and its own argument names.
            if (!ArgumentNames.TryMirror(root, target.ToolName, ArgumentNames.Copilot, out var toolInput, out error) && blocking)
            {
                return false;
            }
            target.ToolInput = toolInput;
            error = "";
            return true;
        }
    }

    public HookReply Encode(string hookEvent, HookOutcome outcome)
    {
        if (outcome.Verdict == Verdict.Allow && outcome.IsDefault)
        {
            // Hookline's default must not switch Claude's own permission prompts off.
            return HookReply.Empty;
        }
        return hookEvent switch
        {
            "pre-tool-use" => PreToolUse("PreToolUse", outcome),
            "permission-request" => PermissionRequest(outcome),
            "user-prompt-submit" => UserPromptSubmit(outcome),
            _ => HookReply.Empty,
        };
    }

    public static HookReply PreToolUse(string eventName, HookOutcome outcome) => HookJson.Json(HookJson.Write(w =>
    {
        w.WriteStartObject("hookSpecificOutput");
        w.WriteString("hookEventName", eventName);
        // A verdict this sidecar does not know (VERDICT_PENDING among them) is a deny, never an allow.
        w.WriteString("permissionDecision", outcome.Verdict switch
        {
            Verdict.Allow => "allow",
            Verdict.Ask => "ask",
            _ => "deny",
        });
        w.WriteString("permissionDecisionReason", outcome.Reason);
        WriteUpdatedInput(w, outcome);
        w.WriteEndObject();
    }));

    /// <summary>
    /// The policy's rewritten input, which Claude runs the tool with instead of the model's (allow only), in the
    /// argument names that arrived: Copilot's tools read theirs.
    /// </summary>
    private static void WriteUpdatedInput(System.Text.Json.Utf8JsonWriter w, HookOutcome outcome)
    {
        if (outcome.Verdict == Verdict.Allow && !outcome.UpdatedInput.IsEmpty)
        {
            w.WritePropertyName("updatedInput");
            ArgumentNames.WriteNative(w, outcome.UpdatedInput.Span, outcome.DecodedInput.Span, ArgumentNames.Copilot);
        }
    }

    public static HookReply PermissionRequest(HookOutcome outcome)
    {
        if (outcome.Verdict == Verdict.Ask)
        {
            // No answer: Claude shows its own permission prompt, which is what ask means here.
            return HookReply.Empty;
        }
        return HookJson.Json(HookJson.Write(w =>
        {
            w.WriteStartObject("hookSpecificOutput");
            w.WriteString("hookEventName", "PermissionRequest");
            w.WriteStartObject("decision");
            w.WriteString("behavior", outcome.Verdict == Verdict.Allow ? "allow" : "deny");
            if (outcome.Verdict != Verdict.Allow)
            {
                w.WriteString("message", outcome.Reason);
            }
            WriteUpdatedInput(w, outcome);
            w.WriteEndObject();
            w.WriteEndObject();
        }));
    }

    public static HookReply UserPromptSubmit(HookOutcome outcome)
    {
        if (outcome.Verdict == Verdict.Allow)
        {
            return HookReply.Empty;
        }
        // A prompt hook has no ask: block, and say that approval is needed.
        var reason = outcome.Verdict == Verdict.Ask ? "approval needed: " + outcome.Reason : outcome.Reason;
        return HookJson.Json(HookJson.Write(w =>
        {
            w.WriteString("decision", "block");
            w.WriteString("reason", reason);
        }));
    }
}
