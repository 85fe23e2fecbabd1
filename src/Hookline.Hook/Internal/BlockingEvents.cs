namespace Hookline.Hook.Internal;

/// <summary>Which hook events can block the agent, so a sidecar failure must deny them in fail mode closed.</summary>
internal static class BlockingEvents
{
    /// <summary>True for the agent's blocking events; every event of an unknown agent counts as blocking.</summary>
    internal static bool IsBlocking(string agent, string hookEvent) => agent switch
    {
        "claude" or "codex" => hookEvent is "pre-tool-use" or "permission-request" or "user-prompt-submit",
        "gemini" => hookEvent is "before-tool" or "before-agent",
        "cursor" => hookEvent is "pre-tool-use" or "before-shell-execution" or "before-mcp-execution"
            or "before-read-file" or "before-submit-prompt",
        _ => true,
    };
}
