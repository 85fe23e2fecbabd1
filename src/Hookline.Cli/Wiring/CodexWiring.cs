using System.Text.Json;
using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>
/// Codex CLI has no per-invocation settings flag, so <c>hookline start --agent codex</c> runs it with a per-session
/// <c>CODEX_HOME</c> overlay: every entry of the user's Codex home (config.toml, auth.json, sessions, ...) is linked in
/// unchanged, and only <c>hooks.json</c> is the overlay's own (the user's hooks, if any, plus Hookline's). Codex runs
/// user hooks only once trusted; <c>start</c> owns the command line, so it passes <c>--dangerously-bypass-hook-trust</c>.
/// </summary>
internal static class CodexWiring
{
    public const string Agent = AgentNames.Codex;

    /// <summary>Codex's hook events (timeouts in seconds).</summary>
    public static readonly HookEventSpec[] Events =
    [
        new("PreToolUse", "pre-tool-use", true),
        new("PermissionRequest", "permission-request", true),
        new("PostToolUse", "post-tool-use", true),
        new("UserPromptSubmit", "user-prompt-submit", false),
        new("SessionStart", "session-start", false),
        new("Stop", "stop", false),
    ];

    /// <summary>600 s: room for a person's approval (<see cref="HookTimeouts"/>).</summary>
    public static readonly int TimeoutSeconds = HookTimeouts.Written(Agent);

    /// <summary><c>$CODEX_HOME</c>, or <c>~/.codex</c>.</summary>
    public static string UserHome() => Environment.GetEnvironmentVariable("CODEX_HOME") is { Length: > 0 } home
        ? home
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".codex");

    public static AgentLaunch Prepare(string sessionDirectory, string hookCommand)
    {
        var userHome = UserHome();
        var overlay = Path.Combine(sessionDirectory, "codex-home");
        Directory.CreateDirectory(overlay);
        if (Directory.Exists(userHome))
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(userHome))
            {
                var name = Path.GetFileName(entry);
                if (name != "hooks.json")
                {
                    File.CreateSymbolicLink(Path.Combine(overlay, name), entry);
                }
            }
        }
        var userHooks = Path.Combine(userHome, "hooks.json");
        WriteHooks(Path.Combine(overlay, "hooks.json"), File.Exists(userHooks) ? File.ReadAllBytes(userHooks) : null, hookCommand);
        return new AgentLaunch(["--dangerously-bypass-hook-trust"], new Dictionary<string, string> { ["CODEX_HOME"] = overlay });
    }

    /// <summary>Hookline's hooks, after the user's own hooks from <paramref name="userHooks"/> (kept as they are).</summary>
    public static void WriteHooks(string path, byte[]? userHooks, string hookCommand)
    {
        var merged = SettingsMerge.ParseObject(userHooks, path);
        SettingsMerge.AddHooks(merged, Events, spec => Group(spec, hookCommand));
        SettingsMerge.Write(path, merged);
    }

    public static System.Text.Json.Nodes.JsonNode Group(HookEventSpec spec, string hookCommand) => SettingsMerge.Node(json =>
        HookEvents.WriteGroup(json, spec, HookEvents.Command(hookCommand, Agent, spec.Kebab), TimeoutSeconds));
}
