using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>Where <c>hookline install</c> writes an agent's hooks, by scope.</summary>
internal sealed record InstallTarget(string Agent, string Scope, string SettingsFile)
{
    public static InstallTarget For(string agent, string scope, string projectDirectory)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var user = scope == "user";
        var file = agent switch
        {
            AgentNames.Claude => Path.Combine(user ? home : projectDirectory, ".claude", "settings.json"),
            AgentNames.Codex => user ? Path.Combine(CodexWiring.UserHome(), "hooks.json") : Path.Combine(projectDirectory, ".codex", "hooks.json"),
            AgentNames.Gemini => Path.Combine(user ? home : projectDirectory, ".gemini", "settings.json"),
            AgentNames.Cursor => Path.Combine(user ? home : projectDirectory, ".cursor", "hooks.json"),
            AgentNames.Qwen => user ? QwenWiring.UserSettingsPath() : Path.Combine(projectDirectory, ".qwen", "settings.json"),
            AgentNames.Copilot => Path.Combine(user ? CopilotWiring.UserHome() : Path.Combine(projectDirectory, ".github"), "hooks", CopilotWiring.InstalledFileName),
            _ => throw new ArgumentOutOfRangeException(nameof(agent), agent, "unknown agent"),
        };
        return new InstallTarget(agent, scope, Path.GetFullPath(file));
    }
}
