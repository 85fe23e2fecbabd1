using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// Gemini CLI: BeforeTool / BeforeAgent block; the answer is <c>{"decision":"deny","reason":...}</c>. Gemini hooks
/// have no ask, so ask becomes deny with a reason that says approval is needed. A rewriting allow carries the new
/// input as <c>hookSpecificOutput.tool_input</c>. Tool names are mapped to Claude's, so one rule governs every agent.
/// </summary>
internal sealed class GeminiAdapter : IAgentAdapter
{
    private static readonly Dictionary<string, string> CanonicalEvents = new(StringComparer.Ordinal)
    {
        ["before-tool"] = "PreToolUse",
        ["after-tool"] = "PostToolUse",
        ["before-agent"] = "UserPromptSubmit",
        ["after-agent"] = "Stop",
        ["session-start"] = "SessionStart",
        ["session-end"] = "SessionEnd",
    };

    public string Name => AgentNames.Gemini;

    public bool IsBlocking(string hookEvent) => AgentNames.IsBlocking(Name, hookEvent);

    public string CanonicalEvent(string hookEvent) => CanonicalEvents.GetValueOrDefault(hookEvent) ?? HookJson.PascalCase(hookEvent);

    public bool TryDecode(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error)
    {
        target.HookEventName = CanonicalEvent(hookEvent);
        target.NativeEvent = HookJson.PascalCase(hookEvent);
        if (!HookJson.TryParseObject(stdin, out var document, out error))
        {
            return false;
        }
        using (document)
        {
            var root = document!.RootElement;
            if (hookEvent == "before-tool" && !HookJson.RequireTool(root, out error))
            {
                return false;
            }
            HookJson.FillCommon(root, target);
            target.ToolName = ToolNames.Canonicalize(target.NativeToolName);
            // read_file's absolute_path gets Claude's file_path beside it, so Read(./.env) governs both.
            ArgumentNames.TryMirror(root, target.ToolName, ArgumentNames.Gemini, out var toolInput, out _);
            target.ToolInput = toolInput;
            // run_shell_command's dir_path (relative to the project, or absolute) is where the command runs.
            ShellDirectory.Apply(target, "dir_path");
            return true;
        }
    }

    public HookReply Encode(string hookEvent, HookOutcome outcome)
    {
        if (!IsBlocking(hookEvent) || (outcome.Verdict == Verdict.Allow && outcome.IsDefault))
        {
            return HookReply.Empty;
        }
        var (decision, reason) = outcome.Verdict switch
        {
            Verdict.Allow => ("allow", outcome.Reason),
            Verdict.Ask => ("deny", "approval needed: " + outcome.Reason),
            _ => ("deny", outcome.Reason),
        };
        return HookJson.Json(HookJson.Write(w =>
        {
            w.WriteString("decision", decision);
            w.WriteString("reason", reason);
            if (hookEvent == "before-tool" && outcome.Verdict == Verdict.Allow && !outcome.UpdatedInput.IsEmpty)
            {
                // Gemini builds the tool call anew from hookSpecificOutput.tool_input: the whole input, not a patch.
                w.WriteStartObject("hookSpecificOutput");
                w.WriteString("hookEventName", "BeforeTool");
                w.WritePropertyName("tool_input");
                ArgumentNames.WriteNative(w, outcome.UpdatedInput.Span, outcome.DecodedInput.Span, ArgumentNames.Gemini);
                w.WriteEndObject();
            }
        }));
    }
}
