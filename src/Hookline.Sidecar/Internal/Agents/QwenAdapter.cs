using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// Qwen Code (a Gemini CLI fork) sends Claude's hook stdin with its own tool names (<c>run_shell_command</c>,
/// <c>write_file</c>, <c>edit</c>, ...; mapped to Claude's by <see cref="ToolNames"/>) and arguments already named as
/// Claude's. It reads Claude's answers: <c>hookSpecificOutput.permissionDecision</c> for PreToolUse, <c>decision:
/// block</c> for UserPromptSubmit. Its own permission layer runs before the hook, so an allow grants nothing: allow is
/// answered with nothing. Ask is answered as ask: headless Qwen makes it a deny that tells the model the reason, its
/// terminal UI asks the user. It ignores <c>updatedInput</c>, so a rewrite never reaches here (the decision becomes a
/// <c>rewrite_unsupported</c> deny, <see cref="AgentNames"/>).
/// </summary>
internal sealed class QwenAdapter : IAgentAdapter
{
    public string Name => AgentNames.Qwen;

    public bool IsBlocking(string hookEvent) => AgentNames.IsBlocking(Name, hookEvent);

    public string CanonicalEvent(string hookEvent) => HookJson.PascalCase(hookEvent);

    public bool TryDecode(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error)
    {
        if (!ClaudeAdapter.DecodeClaudeFormat(hookEvent, stdin, target, IsBlocking(hookEvent), out error))
        {
            return false;
        }
        // run_shell_command's "directory" (absolute, inside the workspace) is where the command runs.
        ShellDirectory.Apply(target, "directory");
        return true;
    }

    public HookReply Encode(string hookEvent, HookOutcome outcome)
    {
        if (outcome.Verdict == Verdict.Allow)
        {
            // Qwen's own permission layer has already run: an allow would grant nothing, so none is claimed.
            return HookReply.Empty;
        }
        return hookEvent switch
        {
            "pre-tool-use" => ClaudeAdapter.PreToolUse("PreToolUse", outcome.Verdict == Verdict.Ask
                ? outcome with { Reason = "approval needed: " + outcome.Reason }
                : outcome),
            "user-prompt-submit" => ClaudeAdapter.UserPromptSubmit(outcome),
            _ => HookReply.Empty,
        };
    }
}
