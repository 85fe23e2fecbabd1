using System.Text.Json.Nodes;
using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>
/// Cursor: <c>.cursor/hooks.json</c> with <c>"version": 1</c> and flat entries <c>{"command": ..., "failClosed": true}</c>
/// per camelCase event. Its before* events block; the rest are telemetry.
/// </summary>
internal static class CursorWiring
{
    public const string Agent = AgentNames.Cursor;

    public static readonly HookEventSpec[] Events =
    [
        new("preToolUse", "pre-tool-use", false),
        new("postToolUse", "post-tool-use", false),
        new("beforeShellExecution", "before-shell-execution", false),
        new("beforeMCPExecution", "before-mcp-execution", false),
        new("beforeReadFile", "before-read-file", false),
        new("beforeSubmitPrompt", "before-submit-prompt", false),
        new("afterFileEdit", "after-file-edit", false),
        new("stop", "stop", false),
    ];

    /// <param name="failClosed">Cursor's own switch: a hook that crashes or times out then blocks instead of allowing.</param>
    public static JsonNode Entry(HookEventSpec spec, string hookCommand, bool failClosed)
    {
        // Cursor's documented per-hook timeout, in seconds: room for a person's approval, as for every agent.
        var entry = new JsonObject
        {
            ["command"] = HookEvents.Command(hookCommand, Agent, spec.Kebab),
            [HookTimeouts.Field(Agent)] = HookTimeouts.Written(Agent),
        };
        if (failClosed)
        {
            entry["failClosed"] = true;
        }
        return entry;
    }
}
