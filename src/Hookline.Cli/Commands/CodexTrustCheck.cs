using Hookline.Cli.Wiring;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline doctor</c>'s check that Codex will actually run Hookline's installed hooks: Codex skips a hook nobody
/// trusted, so untrusted hooks would silently never run. The installed Codex is asked (<c>codex app-server</c>,
/// <c>hooks/list</c>); without one, the trust entries in config.toml are only looked for.
/// </summary>
internal static class CodexTrustCheck
{
    private const string Check = "codex trust";

    public static async Task<Finding?> RunAsync(string project)
    {
        var target = InstallTarget.For(CodexWiring.Agent, "user", project);
        if (!File.Exists(target.SettingsFile) || !File.ReadAllText(target.SettingsFile).Contains("hookline", StringComparison.Ordinal))
        {
            return null;
        }
        var fix = "hookline install --agent codex (it records the trust), or start codex, type /hooks and trust the Hookline hooks";
        var codex = CodexAppServer.Find(null);
        if (codex is null)
        {
            return Entries().Keys.Any(k => k.StartsWith(target.SettingsFile + ":", StringComparison.Ordinal))
                ? new Finding(Check, Status.Warning, $"trust entries for {target.SettingsFile} are in {CodexTrust.ConfigFile()}, but no codex on PATH to confirm they match", null)
                : new Finding(Check, Status.Broken, $"no trust entry for {target.SettingsFile} in {CodexTrust.ConfigFile()}: Codex skips untrusted hooks", fix);
        }
        try
        {
            var ours = CodexTrust.Ours(await CodexAppServer.ListHooksAsync(codex, CodexWiring.UserHome(), project, TimeSpan.FromSeconds(60)), target.SettingsFile);
            var untrusted = ours.Where(h => !h.Trusted).ToList();
            return untrusted.Count == 0
                ? new Finding(Check, Status.Ok, $"Codex trusts the {ours.Count} Hookline hooks in {target.SettingsFile}", null)
                : new Finding(Check, Status.Broken,
                    $"Codex does not trust {untrusted.Count} of the {ours.Count} Hookline hooks in {target.SettingsFile} ({string.Join(", ", untrusted.Select(h => h.TrustStatus).Distinct())}): it skips them", fix);
        }
        catch (InvalidOperationException ex)
        {
            return new Finding(Check, Status.Warning, $"could not ask Codex about its hooks: {ex.Message}", null);
        }
    }

    private static Dictionary<string, string> Entries()
    {
        var config = CodexTrust.ConfigFile();
        try
        {
            return File.Exists(config) ? CodexTrustFile.Entries(File.ReadAllText(config), config) : [];
        }
        catch (InvalidDataException)
        {
            return [];
        }
    }
}
