using Hookline.Cli.Output;
using Hookline.Cli.Hosting;
using Hookline.Cli.Wiring;

namespace Hookline.Cli.Wiring;

/// <summary>
/// <c>hookline doctor</c>'s checks that Codex will run each of Hookline's hooks exactly once. Codex reads hooks from
/// hooks.json and from config.toml's own [hooks] table, and runs both: a Hookline hook in each runs twice, an event in
/// neither is not governed. Codex skips a hook nobody trusted, so untrusted hooks would silently never run: the installed
/// Codex is asked (<c>codex app-server</c>, <c>hooks/list</c>); without one, the trust entries in config.toml are only
/// looked for.
/// </summary>
internal static class CodexTrustCheck
{
    private const string Check = "codex trust";
    private const string Layout = "codex hooks per event";

    public static async Task<IReadOnlyList<Finding>> RunAsync(string project)
    {
        var target = InstallTarget.For(CodexWiring.Agent, "user", project);
        var config = CodexHookSources.ConfigOf(target.SettingsFile);
        try
        {
            var ours = CodexHookSources.Read(target.SettingsFile).Where(h => h.IsHookline).ToList();
            return ours.Count == 0 ? [] : [PerEvent(ours, target.SettingsFile, config), await TrustAsync(target, config, project)];
        }
        catch (InvalidDataException)
        {
            // "codex hooks" reports the file that cannot be read; what Codex says about trust still helps.
            return File.Exists(target.SettingsFile) && File.ReadAllText(target.SettingsFile).Contains("hookline", StringComparison.Ordinal)
                ? [await TrustAsync(target, config, project)]
                : [];
        }
    }

    /// <summary>Each of Hookline's Codex events should have exactly one Hookline hook, in either file.</summary>
    internal static Finding PerEvent(IReadOnlyList<CodexDeclaredHook> ours, string hooksFile, string config)
    {
        var twice = ours.GroupBy(h => h.Event).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} ({string.Join(" and ", g.Select(h => Path.GetFileName(h.Source)))})").ToList();
        var missing = CodexWiring.Events.Where(e => ours.All(h => h.Event != e.Native)).ToList();
        if (missing.Count > 0)
        {
            // A missing blocking event leaves tools ungoverned; a missing telemetry event only thins the audit trail.
            var blocking = missing.Any(e => e.Native is "PreToolUse" or "PermissionRequest" or "UserPromptSubmit");
            return new Finding(Layout, blocking ? Status.Broken : Status.Warning,
                $"no Hookline hook for {string.Join(", ", missing.Select(e => e.Native))} in {hooksFile} or {config}"
                + (twice.Count > 0 ? $"; twice for {string.Join(", ", twice)}" : ""),
                "hookline install --agent codex (it adds the missing ones to hooks.json, and leaves those config.toml declares)");
        }
        if (twice.Count > 0)
        {
            return new Finding(Layout, Status.Warning,
                $"Codex runs Hookline twice for {string.Join(", ", twice)}: each call is decided and audited twice",
                $"delete the copy from the [hooks] table of {config} and run `hookline install --agent codex`, "
                + "or keep it there and run `hookline install --agent codex` again (it takes its own copy out of hooks.json)");
        }
        var inConfig = ours.Count(h => h.Source == config);
        return new Finding(Layout, Status.Ok,
            $"one Hookline hook for each of the {CodexWiring.Events.Length} events ({ours.Count - inConfig} in {hooksFile}, {inConfig} in {config})", null);
    }

    private static async Task<Finding> TrustAsync(InstallTarget target, string config, string project)
    {
        var fix = "hookline install --agent codex (it records the trust), or start codex, type /hooks and trust the Hookline hooks";
        var codex = CodexAppServer.Find(null);
        if (codex is null)
        {
            return Entries().Keys.Any(k => k.StartsWith(target.SettingsFile + ":", StringComparison.Ordinal) || k.StartsWith(config + ":", StringComparison.Ordinal))
                ? new Finding(Check, Status.Warning, $"trust entries for Hookline's hooks are in {CodexTrust.ConfigFile()}, but no codex on PATH to confirm they match", null)
                : new Finding(Check, Status.Broken, $"no trust entry for {target.SettingsFile} in {CodexTrust.ConfigFile()}: Codex skips untrusted hooks", fix);
        }
        try
        {
            var ours = CodexTrust.Ours(await CodexAppServer.ListHooksAsync(codex, CodexWiring.UserHome(), project, TimeSpan.FromSeconds(60)), target.SettingsFile);
            var untrusted = ours.Where(h => !h.Trusted).ToList();
            return untrusted.Count == 0
                ? new Finding(Check, Status.Ok, $"Codex trusts the {ours.Count} Hookline hooks in {Places(ours)}", null)
                : new Finding(Check, Status.Broken,
                    $"Codex does not trust {untrusted.Count} of the {ours.Count} Hookline hooks in {Places(ours)} ({string.Join(", ", untrusted.Select(h => h.TrustStatus).Distinct())}): it skips them", fix);
        }
        catch (InvalidOperationException ex)
        {
            return new Finding(Check, Status.Warning, $"could not ask Codex about its hooks: {ex.Message}", null);
        }
    }

    private static string Places(IEnumerable<CodexHook> hooks) => string.Join(" and ", hooks.Select(h => h.SourcePath).Distinct());

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
