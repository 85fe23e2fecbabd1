using Hookline.Cli.Commands;
using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>Claude Code takes a per-invocation settings file: <c>claude --settings FILE</c>, the narrowest scope there is.</summary>
internal static class ClaudeWiring
{
    public const string Agent = AgentNames.Claude;

    public static readonly HookEventSpec[] Events =
    [
        new("PreToolUse", "pre-tool-use", true),
        new("PermissionRequest", "permission-request", true),
        new("PostToolUse", "post-tool-use", true),
        new("PostToolUseFailure", "post-tool-use-failure", true),
        new("UserPromptSubmit", "user-prompt-submit", false),
        new("SessionStart", "session-start", false),
        new("SessionEnd", "session-end", false),
        new("Stop", "stop", false),
        new("SubagentStart", "subagent-start", false),
        new("SubagentStop", "subagent-stop", false),
    ];

    /// <summary>600 s: room for a person's approval (<see cref="HookTimeouts"/>).</summary>
    public static readonly int TimeoutSeconds = HookTimeouts.Written(Agent);

    public static AgentLaunch Prepare(string sessionDirectory, string hookCommand, bool failClosed, HttpHookTarget? http = null)
    {
        var settings = ClaudeSettings.Write(Path.Combine(sessionDirectory, "claude-settings.json"), hookCommand, failClosed, http);
        return new AgentLaunch(["--settings", settings], new Dictionary<string, string>());
    }

    /// <param name="failClosed">Adds <c>"onFailure": "block"</c> (Claude Code 2.1.295+), so a crashed or timed-out hook blocks.</param>
    public static System.Text.Json.Nodes.JsonNode Group(HookEventSpec spec, string hookCommand, bool failClosed) => SettingsMerge.Node(json =>
        HookEvents.WriteGroup(json, spec, HookEvents.Command(hookCommand, Agent, spec.Kebab), TimeoutSeconds,
            extra => WriteExtras(extra, spec.Kebab, failClosed)));

    /// <summary>What Claude Code shows in its spinner while a blocking hook runs (its hook field <c>statusMessage</c>, 2.1.328).</summary>
    public const string StatusMessage = "Hookline: checking policy";

    /// <summary>
    /// Claude's own fields of a Hookline hook: <c>statusMessage</c> on the blocking events (where a hook may wait for a
    /// person's approval), and <c>"onFailure": "block"</c> in fail-closed mode.
    /// </summary>
    public static void WriteExtras(System.Text.Json.Utf8JsonWriter json, string kebab, bool failClosed)
    {
        if (AgentNames.IsBlocking(Agent, kebab))
        {
            json.WriteString("statusMessage", StatusMessage);
        }
        if (failClosed)
        {
            json.WriteString("onFailure", "block");
        }
    }
}
