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

    public const int TimeoutSeconds = Hookline.Hook.HookCommand.AgentTimeoutMs / 1000;

    public static AgentLaunch Prepare(string sessionDirectory, string hookCommand, bool failClosed, HttpHookTarget? http = null)
    {
        var settings = ClaudeSettings.Write(Path.Combine(sessionDirectory, "claude-settings.json"), hookCommand, failClosed, http);
        return new AgentLaunch(["--settings", settings], new Dictionary<string, string>());
    }

    /// <param name="failClosed">Adds <c>"onFailure": "block"</c> (Claude Code 2.1.295+), so a crashed or timed-out hook blocks.</param>
    public static System.Text.Json.Nodes.JsonNode Group(HookEventSpec spec, string hookCommand, bool failClosed) => SettingsMerge.Node(json =>
        HookEvents.WriteGroup(json, spec, HookEvents.Command(hookCommand, Agent, spec.Kebab), TimeoutSeconds,
            failClosed ? extra => extra.WriteString("onFailure", "block") : null));
}
