namespace Hookline.Cli.Wiring;

/// <summary>Where <c>hookline install</c> writes an agent's hooks, by scope.</summary>
internal sealed record InstallTarget(string Agent, string Scope, string SettingsFile)
{
    public static readonly string[] Agents = ["claude", "codex", "gemini", "cursor"];

    public static InstallTarget For(string agent, string scope, string projectDirectory)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var user = scope == "user";
        var file = agent switch
        {
            "claude" => Path.Combine(user ? home : projectDirectory, ".claude", "settings.json"),
            "codex" => user ? Path.Combine(CodexWiring.UserHome(), "hooks.json") : Path.Combine(projectDirectory, ".codex", "hooks.json"),
            "gemini" => Path.Combine(user ? home : projectDirectory, ".gemini", "settings.json"),
            "cursor" => Path.Combine(user ? home : projectDirectory, ".cursor", "hooks.json"),
            _ => throw new ArgumentOutOfRangeException(nameof(agent), agent, "unknown agent"),
        };
        return new InstallTarget(agent, scope, Path.GetFullPath(file));
    }
}
