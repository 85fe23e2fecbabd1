using System.Text.Json.Nodes;
using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>
/// GitHub Copilot CLI. <c>hookline start --agent copilot</c> loads a per-session plugin with <c>--plugin-dir DIR</c>
/// (a <c>plugin.json</c> and its <c>hooks.json</c>): one run of one process, in <c>-p</c> and interactive mode, in a
/// trusted folder or not. That is narrower than any file Copilot reads by itself (<c>$COPILOT_HOME/hooks/*.json</c>,
/// its settings, or a repository's <c>.github/hooks</c>, read only in trusted folders), and it needs no
/// <c>$COPILOT_HOME</c> overlay, which would cost the user's login and configuration. <c>hookline install</c> writes
/// its own file, <c>$COPILOT_HOME/hooks/hookline.json</c>, beside the user's hook files.
/// The hooks use Copilot's camelCase events with no matcher: <c>"matcher": "*"</c> is an invalid regex there, and
/// Copilot then skips the hook without a word.
/// </summary>
internal static class CopilotWiring
{
    public const string Agent = AgentNames.Copilot;

    /// <summary>Copilot's camelCase events, each as the real client (1.0.102) runs it.</summary>
    public static readonly HookEventSpec[] Events =
    [
        new("preToolUse", "pre-tool-use", false),
        new("postToolUse", "post-tool-use", false),
        new("userPromptSubmitted", "user-prompt-submitted", false),
        new("sessionStart", "session-start", false),
        new("sessionEnd", "session-end", false),
        new("agentStop", "agent-stop", false),
        // A subagent's own tool calls run preToolUse too, under the subagent's id as sessionId.
        new("subagentStart", "subagent-start", false),
        new("subagentStop", "subagent-stop", false),
    ];

    /// <summary>
    /// Copilot lets the tool run when a hook times out, so this (600 s) stays above the hook's own deadline and its
    /// longest wait for a person's approval: the hook's answer always comes first.
    /// </summary>
    public static readonly int TimeoutSeconds = HookTimeouts.Written(Agent);

    /// <summary>The file <c>hookline install</c> writes in a hooks directory.</summary>
    public const string InstalledFileName = "hookline.json";

    /// <summary><c>$COPILOT_HOME</c>, or <c>~/.copilot</c>.</summary>
    public static string UserHome() => Environment.GetEnvironmentVariable("COPILOT_HOME") is { Length: > 0 } home
        ? home
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".copilot");

    /// <summary>Where Copilot reads hooks from: the user's hook files and settings, and the project's hook files.</summary>
    public static string[] HookFiles(string project) =>
    [
        .. JsonFiles(Path.Combine(UserHome(), "hooks")), Path.Combine(UserHome(), "settings.json"),
        .. JsonFiles(Path.Combine(project, ".github", "hooks")),
    ];

    /// <summary>Every <c>*.json</c> of a hooks directory, and at least the file install would write there.</summary>
    private static IEnumerable<string> JsonFiles(string directory) => Directory.Exists(directory)
        ? Directory.EnumerateFiles(directory, "*.json").Append(Path.Combine(directory, InstalledFileName)).Order(StringComparer.Ordinal)
        : [Path.Combine(directory, InstalledFileName)];

    public static AgentLaunch Prepare(string sessionDirectory, string hookCommand)
    {
        var plugin = Path.Combine(sessionDirectory, "copilot-plugin");
        Directory.CreateDirectory(plugin);
        SettingsMerge.Write(Path.Combine(plugin, "plugin.json"), new JsonObject
        {
            ["name"] = "hookline",
            ["description"] = "Hookline's hooks for this session",
        });
        var hooks = new JsonObject();
        AddHooks(hooks, hookCommand);
        SettingsMerge.Write(Path.Combine(plugin, "hooks.json"), hooks);
        return new AgentLaunch(["--plugin-dir", plugin], new Dictionary<string, string>());
    }

    /// <summary>Appends Hookline's hooks to a Copilot hooks document (<c>{"version": 1, "hooks": {event: [entry]}}</c>).</summary>
    public static void AddHooks(JsonObject document, string hookCommand)
    {
        document["version"] ??= 1;
        SettingsMerge.AddHooks(document, Events, spec => new JsonObject
        {
            ["type"] = "command",
            ["bash"] = HookEvents.Command(hookCommand, Agent, spec.Kebab),
            [HookTimeouts.Field(Agent)] = TimeoutSeconds,
        });
    }
}
