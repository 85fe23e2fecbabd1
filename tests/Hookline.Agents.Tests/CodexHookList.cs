using System.Text;
using Hookline.Cli.Wiring;

namespace Hookline.Agents.Tests;

/// <summary>
/// What a user does in Codex's /hooks screen, done through the same interface: <c>codex app-server</c>'s
/// <c>hooks/list</c> (asked with Hookline's own client, linked in) names each hook's trust key and hash, and trusting a
/// hook records them in config.toml.
/// </summary>
internal static class CodexHookList
{
    public static Task<IReadOnlyList<CodexHook>> ListAsync(string codexHome, string cwd) =>
        CodexAppServer.ListHooksAsync(AgentClients.Client("codex"), codexHome, cwd, TimeSpan.FromSeconds(90));

    /// <summary>Trusts every hook Codex lists from <paramref name="source"/>, as the user would in /hooks.</summary>
    public static async Task TrustAsync(string codexHome, string cwd, string source)
    {
        var entries = new StringBuilder();
        foreach (var hook in (await ListAsync(codexHome, cwd)).Where(h => h.SourcePath == source && !h.Trusted))
        {
            entries.Append($"\n[hooks.state.\"{hook.Key}\"]\ntrusted_hash = \"{hook.CurrentHash}\"\n");
        }
        await File.AppendAllTextAsync(Path.Combine(codexHome, "config.toml"), entries.ToString());
    }
}
