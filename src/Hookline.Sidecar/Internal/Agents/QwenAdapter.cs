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
        if (target.ToolName == ToolNames.Bash && ShellDirectory(target.ToolInput) is { } directory && directory != target.Cwd)
        {
            // run_shell_command's "directory" is where the command runs (absolute, inside the workspace): relative
            // paths in the command mean files there. The session's root stays the project directory.
            target.ProjectDirectory = target.Cwd;
            target.Cwd = directory;
        }
        return true;
    }

    private static string? ShellDirectory(Google.Protobuf.ByteString toolInput)
    {
        if (toolInput.IsEmpty)
        {
            return null;
        }
        using var input = JsonDocument.Parse(toolInput.Memory);
        return input.RootElement.ValueKind == JsonValueKind.Object
            && input.RootElement.TryGetProperty("directory", out var directory) && directory.ValueKind == JsonValueKind.String
            && directory.GetString() is { Length: > 0 } path && path.StartsWith('/')
            ? path
            : null;
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
