namespace Hookline.Hook.Internal;

/// <summary>
/// The deny the hook writes on stdout, beside its exit 2, for agents that run the tool when a hook fails. GitHub
/// Copilot CLI 1.0.102 reads it even with exit 2, and only from it does the model learn the reason (from exit 2 alone:
/// "hook exited with code 2"). Qwen Code 0.24.4 reads stderr with exit 2; should it ever take exit 2 for a failure,
/// the answer on stdout still blocks. Claude Code, Codex and Gemini CLI read only stderr with exit 2: nothing here.
/// </summary>
internal static class NativeDeny
{
    // AgentNames on this branch does not list them yet: the names as --agent and the sidecar's adapters spell them.
    private const string Copilot = "copilot";
    private const string Qwen = "qwen";

    /// <summary>The agent's deny answer as one JSON line, or null for an agent that reads none with exit 2.</summary>
    internal static byte[]? For(string agent, string hookEvent, string reason) => agent switch
    {
        // GitHub Copilot CLI: the flat answer blocks in both its hook dialects.
        Copilot => new JsonLineWriter()
            .String("permissionDecision", "deny")
            .String("permissionDecisionReason", reason)
            .ToUtf8Line(),
        // Qwen Code: Claude's answer; "decision": "block" also blocks a prompt, where permissionDecision means nothing.
        Qwen => new JsonLineWriter()
            .String("decision", "block")
            .String("reason", reason)
            .Object("hookSpecificOutput", new JsonLineWriter()
                .String("hookEventName", PascalCase(hookEvent))
                .String("permissionDecision", "deny")
                .String("permissionDecisionReason", reason))
            .ToUtf8Line(),
        _ => null,
    };

    /// <summary>The same answer with a fixed reason, for when building one failed: nothing here allocates.</summary>
    internal static ReadOnlySpan<byte> Fixed(string? agent) => agent switch
    {
        Copilot => "{\"permissionDecision\":\"deny\",\"permissionDecisionReason\":\"hookline: the hook failed; blocked (fail mode closed)\"}\n"u8,
        Qwen => "{\"decision\":\"block\",\"reason\":\"hookline: the hook failed; blocked (fail mode closed)\"}\n"u8,
        _ => [],
    };

    /// <summary>"PreToolUse" from "pre-tool-use", as the agent names the event in its own JSON.</summary>
    private static string PascalCase(string kebab)
    {
        var chars = new char[kebab.Length];
        var count = 0;
        var upper = true;
        foreach (var c in kebab)
        {
            if (c == '-')
            {
                upper = true;
                continue;
            }
            chars[count++] = upper ? char.ToUpperInvariant(c) : c;
            upper = false;
        }
        return new string(chars, 0, count);
    }
}
