using Hookline.Contracts.V1;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// Codex CLI: Claude's stdin format and answer shape, but no ask: ask becomes deny with an approval reason. A rewriting
/// allow in PreToolUse is <c>permissionDecision: "allow"</c> with <c>updatedInput</c>, as in Claude Code.
/// </summary>
internal sealed class CodexAdapter : IAgentAdapter
{
    public string Name => AgentNames.Codex;

    public bool IsBlocking(string hookEvent) => AgentNames.IsBlocking(Name, hookEvent);

    public string CanonicalEvent(string hookEvent) => HookJson.PascalCase(hookEvent);

    public bool TryDecode(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error)
        => ClaudeAdapter.DecodeClaudeFormat(hookEvent, stdin, target, IsBlocking(hookEvent), out error);

    public HookReply Encode(string hookEvent, HookOutcome outcome)
    {
        if (outcome.Verdict == Verdict.Allow)
        {
            // Codex takes an allow only together with updatedInput (PreToolUse); a plain allow gives no answer.
            return hookEvent == "pre-tool-use" && !outcome.UpdatedInput.IsEmpty ? ClaudeAdapter.PreToolUse("PreToolUse", outcome) : HookReply.Empty;
        }
        var denied = outcome.Verdict == Verdict.Ask
            ? outcome with { Verdict = Verdict.Deny, Reason = "approval needed: " + outcome.Reason }
            : outcome;
        return hookEvent switch
        {
            "pre-tool-use" or "permission-request" => ClaudeAdapter.PreToolUse(hookEvent == "pre-tool-use" ? "PreToolUse" : "PermissionRequest", denied),
            "user-prompt-submit" => ClaudeAdapter.UserPromptSubmit(denied),
            _ => HookReply.Empty,
        };
    }
}
