using System.Text.Json.Nodes;
using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>
/// Qwen Code (a Gemini CLI fork) reads a system settings file named by <c>QWEN_CODE_SYSTEM_SETTINGS_PATH</c> and runs
/// the hooks of the system, user and (trusted) project scopes, each list kept. <c>hookline start --agent qwen</c>
/// points that variable at a per-session copy of the system settings (if any) with Hookline's hooks added: the user's
/// and the project's own settings are not touched. Unlike Gemini CLI it reads the file wherever it lies.
/// </summary>
internal static class QwenWiring
{
    public const string Agent = AgentNames.Qwen;

    public const string SystemSettingsVariable = "QWEN_CODE_SYSTEM_SETTINGS_PATH";

    /// <summary>Qwen reads <c>system-defaults.json</c> beside the system settings unless this names it.</summary>
    public const string SystemDefaultsVariable = "QWEN_CODE_SYSTEM_DEFAULTS_PATH";

    /// <summary>
    /// Claude's events, which Qwen names alike, but PermissionRequest: its PreToolUse runs after Qwen's own permission
    /// layer and governs every call, while an allow to PermissionRequest would grant what the user was to be asked.
    /// </summary>
    public static readonly HookEventSpec[] Events = [.. ClaudeWiring.Events.Where(e => e.Native != "PermissionRequest")];

    /// <summary>
    /// 600, in seconds (Qwen reads 1000 or more as milliseconds): above the hook's own deadline and its longest wait for
    /// a person's approval, so the hook always answers first: Qwen lets the tool run when a hook times out.
    /// </summary>
    public static readonly int TimeoutSeconds = HookTimeouts.Written(Agent);

    /// <summary>The system settings Qwen would read without Hookline.</summary>
    public static string SystemSettingsPath() => Environment.GetEnvironmentVariable(SystemSettingsVariable) is { Length: > 0 } path
        ? path
        : "/etc/qwen-code/settings.json";

    /// <summary><c>$QWEN_HOME/settings.json</c>, or <c>~/.qwen/settings.json</c>: the user's own settings.</summary>
    public static string UserSettingsPath() => Path.Combine(
        Environment.GetEnvironmentVariable("QWEN_HOME") is { Length: > 0 } home
            ? Path.GetFullPath(home)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".qwen"),
        "settings.json");

    /// <exception cref="InvalidOperationException">The system settings switch every hook off, Hookline's too.</exception>
    public static AgentLaunch Prepare(string sessionDirectory, string hookCommand)
    {
        var system = SystemSettingsPath();
        var settings = SettingsMerge.ParseObject(File.Exists(system) ? File.ReadAllBytes(system) : null, system);
        if (settings["disableAllHooks"] is JsonValue off && off.TryGetValue<bool>(out var disabled) && disabled)
        {
            throw new InvalidOperationException($"{system} sets disableAllHooks, so Qwen Code would run no hook, Hookline's neither");
        }
        // The system scope overrides the user's and the project's: a disableAllHooks there must not switch Hookline off.
        settings["disableAllHooks"] = false;
        SettingsMerge.AddHooks(settings, Events, spec => Group(spec, hookCommand));
        var path = Path.Combine(sessionDirectory, "qwen-system-settings.json");
        Directory.CreateDirectory(sessionDirectory);
        SettingsMerge.Write(path, settings);
        var environment = new Dictionary<string, string> { [SystemSettingsVariable] = path };
        if (Environment.GetEnvironmentVariable(SystemDefaultsVariable) is not { Length: > 0 })
        {
            // Qwen looks for system-defaults.json beside the system settings: keep it reading the administrator's.
            environment[SystemDefaultsVariable] = Path.Combine(Path.GetDirectoryName(system) ?? "/", "system-defaults.json");
        }
        return new AgentLaunch([], environment);
    }

    public static JsonNode Group(HookEventSpec spec, string hookCommand) => SettingsMerge.Node(json =>
        HookEvents.WriteGroup(json, spec, HookEvents.Command(hookCommand, Agent, spec.Kebab), TimeoutSeconds));
}
