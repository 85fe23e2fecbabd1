using System.Text.Json;
using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>
/// Each agent's hook timeout field and unit: the one place that knows them. Hookline writes
/// <see cref="AgentNames.WrittenHookTimeoutMs"/> (600 s) for every agent, so that a hook waiting for a person's approval
/// is never cut off by the agent (most agents run the tool when a hook times out). Verified against the pinned clients:
/// Claude Code (<c>timeout</c>, s), Codex (<c>timeout</c>, s; it clamps only SessionEnd), Gemini CLI (<c>timeout</c>,
/// ms), Qwen Code (<c>timeout</c>, s; 1000 or more reads as ms), GitHub Copilot CLI (<c>timeoutSec</c>, s); Cursor
/// (<c>timeout</c>, s) as documented. None of them clamps 600 s for the events Hookline wires.
/// </summary>
internal static class HookTimeouts
{
    /// <summary>The field holding a hook's timeout in <paramref name="agent"/>'s hook entries.</summary>
    public static string Field(string agent) => agent == AgentNames.Copilot ? "timeoutSec" : "timeout";

    /// <summary>What Hookline writes in <see cref="Field"/> for <paramref name="agent"/>: 600 in seconds, or 600000 for Gemini CLI.</summary>
    public static int Written(string agent) => agent == AgentNames.Gemini
        ? AgentNames.WrittenHookTimeoutMs
        : AgentNames.WrittenHookTimeoutMs / 1000;

    /// <summary>
    /// The timeout, in milliseconds, that <paramref name="agent"/> applies to the hook entry <paramref name="hook"/>: its
    /// field read in the agent's unit, or the agent's default when the field is absent; null when it cannot be known
    /// (Cursor's default is not documented).
    /// </summary>
    public static int? EffectiveMs(string agent, JsonElement hook)
    {
        if (!hook.TryGetProperty(Field(agent), out var field) || field.ValueKind != JsonValueKind.Number || !field.TryGetDouble(out var value) || value <= 0)
        {
            return DefaultMs(agent);
        }
        var ms = agent switch
        {
            AgentNames.Gemini => value,
            AgentNames.Qwen when value >= 1000 => value, // Qwen's legacy form: 1000 or more are milliseconds
            _ => value * 1000,
        };
        return (int)Math.Min(ms, int.MaxValue);
    }

    /// <summary>The agent's own default for a command hook with no timeout (from each pinned client's source or docs).</summary>
    private static int? DefaultMs(string agent) => agent switch
    {
        AgentNames.Claude or AgentNames.Codex => 600_000,
        AgentNames.Gemini or AgentNames.Qwen => 60_000,
        AgentNames.Copilot => 30_000,
        _ => null,
    };
}
