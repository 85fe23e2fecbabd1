namespace Hookline.Cli.Wiring;

/// <summary>
/// Gemini CLI reads a system settings file named by <c>GEMINI_CLI_SYSTEM_SETTINGS_PATH</c>, and concatenates the hooks
/// of every settings scope. <c>hookline start --agent gemini</c> points that variable at a per-session copy of the
/// system settings (if any) with Hookline's hooks added: the user's and the project's own settings are not touched.
/// Gemini's hook timeouts are in milliseconds.
/// </summary>
internal static class GeminiWiring
{
    public const string Agent = "gemini";

    public const string SystemSettingsVariable = "GEMINI_CLI_SYSTEM_SETTINGS_PATH";

    public static readonly HookEventSpec[] Events =
    [
        new("BeforeTool", "before-tool", true),
        new("AfterTool", "after-tool", true),
        new("BeforeAgent", "before-agent", false),
        new("AfterAgent", "after-agent", false),
        new("SessionStart", "session-start", false),
        new("SessionEnd", "session-end", false),
    ];

    public const int TimeoutMilliseconds = 30_000;

    /// <summary>The system settings Gemini would read without Hookline.</summary>
    public static string SystemSettingsPath() => Environment.GetEnvironmentVariable(SystemSettingsVariable) is { Length: > 0 } path
        ? path
        : "/etc/gemini-cli/settings.json";

    public static AgentLaunch Prepare(string sessionDirectory, string hookCommand)
    {
        var system = SystemSettingsPath();
        var path = Path.Combine(sessionDirectory, "gemini-system-settings.json");
        var settings = SettingsMerge.ParseObject(File.Exists(system) ? File.ReadAllBytes(system) : null, system);
        SettingsMerge.AddHooks(settings, Events, spec => Group(spec, hookCommand));
        Directory.CreateDirectory(sessionDirectory);
        SettingsMerge.Write(path, settings);
        return new AgentLaunch([], new Dictionary<string, string> { [SystemSettingsVariable] = path });
    }

    public static System.Text.Json.Nodes.JsonNode Group(HookEventSpec spec, string hookCommand) => SettingsMerge.Node(json =>
        HookEvents.WriteGroup(json, spec, HookEvents.Command(hookCommand, Agent, spec.Kebab), TimeoutMilliseconds,
            extra => extra.WriteString("name", "hookline-" + spec.Kebab)));
}
