using System.Security.Cryptography;
using System.Text;
using Hookline.Cli.Hosting;

namespace Hookline.Cli.Wiring;

/// <summary>
/// Codex runs a user hook only after the user trusted that exact hook definition: it records
/// <c>[hooks.state."KEY"] trusted_hash = "sha256:..."</c> in <c>$CODEX_HOME/config.toml</c>. The key names the hook's
/// place (its hooks.json, event, group and index); the hash is Codex's own. <c>hookline install</c> asks the installed
/// Codex for both (<c>codex app-server</c>, <c>hooks/list</c>), writes the entries for Hookline's hooks, and checks that
/// Codex now reports them trusted. What it wrote is recorded in the state directory, so that uninstall removes exactly
/// that. Without a Codex to ask, it prints the one step that trusts the hooks by hand.
/// </summary>
internal static class CodexTrust
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    public static string ConfigFile() => Path.Combine(CodexWiring.UserHome(), "config.toml");

    public static string NextStep(InstallTarget target) =>
        "To trust them by hand: start `codex`, type /hooks, and trust the Hookline hooks listed from "
        + $"{target.SettingsFile}. Until then Codex skips them (and warns at start-up). "
        + "`hookline start --agent codex` needs no trust step.";

    /// <summary>
    /// Hookline's hooks among those Codex lists, from <paramref name="settingsFile"/> or from the [hooks] table of the
    /// same layer's config.toml (where a user may have declared them): Codex trusts each by its own key.
    /// </summary>
    public static List<CodexHook> Ours(IEnumerable<CodexHook> hooks, string settingsFile) =>
        hooks.Where(h => (h.SourcePath == settingsFile || h.SourcePath == CodexHookSources.ConfigOf(settingsFile))
            && HookInstaller.IsHooklineCommand(h.Command, CodexWiring.Agent)).ToList();

    /// <summary>Where Codex runs for <paramref name="target"/>: the project for project scope, else the current directory.</summary>
    public static string WorkingDirectory(InstallTarget target) => target.Scope == "project"
        ? Path.GetDirectoryName(Path.GetDirectoryName(target.SettingsFile)!)!
        : Environment.CurrentDirectory;

    /// <summary>Trusts Hookline's freshly installed hooks. Returns whether Codex now reports all of them trusted, and what to tell the user.</summary>
    public static async Task<(bool Trusted, string Message)> TrustAsync(InstallTarget target, string? codexCommand, string stateDirectory)
    {
        var codex = CodexAppServer.Find(codexCommand);
        if (codex is null)
        {
            return (false, $"No `{codexCommand ?? "codex"}` found on PATH to ask for the hooks' trust hashes (pass --agent-command). " + NextStep(target));
        }
        var config = ConfigFile();
        try
        {
            var ours = Ours(await CodexAppServer.ListHooksAsync(codex, CodexWiring.UserHome(), WorkingDirectory(target), AskTimeout), target.SettingsFile);
            if (ours.Count == 0)
            {
                return (false, $"Codex does not load the hooks in {target.SettingsFile} or {CodexHookSources.ConfigOf(target.SettingsFile)}"
                    + (target.Scope == "project" ? " (it loads a project's hooks only in a project it trusts)" : "") + ". " + NextStep(target));
            }
            var wanted = ours.Where(h => !h.Trusted).Select(h => new CodexTrustEntry(h.Key, h.CurrentHash)).ToList();
            if (wanted.Count > 0)
            {
                var record = Record.Read(stateDirectory, config, target.SettingsFile);
                var text = File.Exists(config) ? await File.ReadAllTextAsync(config) : "";
                // Our own earlier entries for these keys hold an older definition's hash: replace them.
                var (cleaned, _) = CodexTrustFile.Remove(text, record.Entries.Where(e => wanted.Any(w => w.Key == e.Key)).ToList(), config);
                var (updated, added) = CodexTrustFile.Add(cleaned, wanted, config);
                Record.Write(stateDirectory, config, target.SettingsFile, record with
                {
                    Created = record.Created || !File.Exists(config),
                    // Install ended the file's unterminated last line; uninstall takes that newline out again.
                    Terminated = record.Terminated || (added.Count > 0 && cleaned.Length > 0 && !cleaned.EndsWith('\n')),
                    Entries = [.. record.Entries.Where(e => !wanted.Any(w => w.Key == e.Key)), .. added],
                });
                AtomicWrite(config, updated);
            }
            var untrusted = Ours(await CodexAppServer.ListHooksAsync(codex, CodexWiring.UserHome(), WorkingDirectory(target), AskTimeout), target.SettingsFile)
                .Where(h => !h.Trusted).ToList();
            return untrusted.Count == 0
                ? (true, $"Codex trusts the {ours.Count} Hookline hooks ({wanted.Count} trust entries written to {config}).")
                : (false, $"Codex still reports {untrusted.Count} Hookline hooks untrusted ({string.Join(", ", untrusted.Select(h => h.Key))}); "
                    + $"{config} may hold another trust entry for them. " + NextStep(target));
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException or System.ComponentModel.Win32Exception or System.Text.Json.JsonException)
        {
            return (false, $"Could not record Codex's trust ({ex.Message}). " + NextStep(target));
        }
    }

    /// <summary>Removes exactly the trust entries install wrote for <paramref name="target"/>. Returns how many.</summary>
    /// <exception cref="InvalidDataException">config.toml is not valid TOML; it is left alone.</exception>
    public static int Untrust(InstallTarget target, string stateDirectory)
    {
        var config = ConfigFile();
        var record = Record.Read(stateDirectory, config, target.SettingsFile);
        if (record.Entries.Count == 0 || !File.Exists(config))
        {
            Record.Delete(stateDirectory, config, target.SettingsFile);
            return 0;
        }
        var (text, removed) = CodexTrustFile.Remove(File.ReadAllText(config), record.Entries, config);
        if (record.Terminated && removed == record.Entries.Count && text.EndsWith('\n'))
        {
            text = text[..^1];
        }
        if (record.Created && text.Length == 0)
        {
            File.Delete(config);
        }
        else if (removed > 0)
        {
            AtomicWrite(config, text);
        }
        Record.Delete(stateDirectory, config, target.SettingsFile);
        return removed;
    }

    /// <summary>Writes beside the file and renames over it, keeping the file's mode: Codex never reads half a file.</summary>
    private static void AtomicWrite(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".hookline-tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (File.Exists(path) && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The entries install wrote into one config.toml for one hooks file (tab-separated lines in the state directory).</summary>
    private sealed record Record(bool Created, bool Terminated, IReadOnlyList<CodexTrustEntry> Entries)
    {
        private const string CreatedLine = "# created";
        private const string TerminatedLine = "# terminated";

        public static Record Read(string stateDirectory, string config, string settingsFile)
        {
            var path = PathOf(stateDirectory, config, settingsFile);
            if (!File.Exists(path))
            {
                return new Record(false, false, []);
            }
            var lines = File.ReadAllLines(path);
            return new Record(lines.Contains(CreatedLine), lines.Contains(TerminatedLine), [.. lines.Select(l => l.Split('\t')).Where(p => p.Length == 2).Select(p => new CodexTrustEntry(p[0], p[1]))]);
        }

        public static void Write(string stateDirectory, string config, string settingsFile, Record record)
        {
            var path = PathOf(stateDirectory, config, settingsFile);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllLines(path, [.. record.Created ? [CreatedLine] : Array.Empty<string>(), .. record.Terminated ? [TerminatedLine] : Array.Empty<string>(), .. record.Entries.Select(e => e.Key + "\t" + e.Hash)]);
        }

        public static void Delete(string stateDirectory, string config, string settingsFile) => File.Delete(PathOf(stateDirectory, config, settingsFile));

        private static string PathOf(string stateDirectory, string config, string settingsFile)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(config + "\n" + settingsFile)))[..16];
            return Path.Combine(stateDirectory, "installed", hash + ".codex-trust");
        }
    }
}
