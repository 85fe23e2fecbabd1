using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>
/// Gemini CLI reads a system settings file named by <c>GEMINI_CLI_SYSTEM_SETTINGS_PATH</c>, and concatenates the hooks
/// of every settings scope. <c>hookline start --agent gemini</c> points that variable at a per-session copy of the
/// system settings (if any) with Hookline's hooks added: the user's and the project's own settings are not touched.
/// Gemini's hook timeouts are in milliseconds.
/// </summary>
internal static class GeminiWiring
{
    public const string Agent = AgentNames.Gemini;

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

    /// <summary>600000 ms: room for a person's approval (<see cref="HookTimeouts"/>).</summary>
    public static readonly int TimeoutMilliseconds = HookTimeouts.Written(Agent);

    /// <summary>The system settings Gemini would read without Hookline.</summary>
    public static string SystemSettingsPath() => Environment.GetEnvironmentVariable(SystemSettingsVariable) is { Length: > 0 } path
        ? path
        : "/etc/gemini-cli/settings.json";

    /// <exception cref="InvalidOperationException">Gemini would ignore the settings file, so its hooks would never run.</exception>
    public static AgentLaunch Prepare(string sessionDirectory, string hookCommand)
    {
        RequirePrivateAncestors(Path.GetFullPath(sessionDirectory));
        var system = SystemSettingsPath();
        var path = Path.Combine(sessionDirectory, "gemini-system-settings.json");
        var settings = SettingsMerge.ParseObject(File.Exists(system) ? File.ReadAllBytes(system) : null, system);
        SettingsMerge.AddHooks(settings, Events, spec => Group(spec, hookCommand));
        Directory.CreateDirectory(sessionDirectory);
        SettingsMerge.Write(path, settings);
        return new AgentLaunch([], new Dictionary<string, string> { [SystemSettingsVariable] = path });
    }

    /// <summary>
    /// Gemini CLI skips a system settings file when a directory above it is writable by group or others (even
    /// /tmp with its sticky bit): the hooks would then silently never run, so refuse instead.
    /// </summary>
    private static void RequirePrivateAncestors(string directory)
    {
        const UnixFileMode OthersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
        for (var dir = new DirectoryInfo(directory).Parent; dir is not null; dir = dir.Parent)
        {
            if (dir.Exists && (dir.UnixFileMode & OthersWrite) != 0)
            {
                throw new InvalidOperationException(
                    $"Gemini CLI ignores settings files below '{dir.FullName}', which others may write to; "
                    + "set XDG_STATE_HOME to a private directory (Hookline keeps the per-session settings there)");
            }
        }
    }

    public static System.Text.Json.Nodes.JsonNode Group(HookEventSpec spec, string hookCommand) => SettingsMerge.Node(json =>
        HookEvents.WriteGroup(json, spec, HookEvents.Command(hookCommand, Agent, spec.Kebab), TimeoutMilliseconds,
            extra => extra.WriteString("name", "hookline-" + spec.Kebab)));
}
