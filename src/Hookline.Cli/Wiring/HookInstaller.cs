using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>
/// Merges Hookline's hooks into an agent's settings file, next to the user's own hooks, and takes exactly them out
/// again. Install is idempotent (Hookline's previous entries are replaced). The file's bytes before the first install
/// are kept in the state directory, so that uninstall restores them byte for byte when nothing else changed meanwhile.
/// </summary>
internal static class HookInstaller
{
    /// <summary>A hook entry is Hookline's when its command runs the Hookline hook with <c>--agent NAME --event</c>.</summary>
    public static bool IsHooklineCommand(string? command, string agent) => command is not null
        && command.Contains("hookline", StringComparison.Ordinal)
        && command.Contains($" --agent {agent} --event ", StringComparison.Ordinal);

    /// <summary>Adds Hookline's hooks. Returns the events left out because the agent already has Hookline's hook for them elsewhere.</summary>
    public static IReadOnlyCollection<string> Install(InstallTarget target, string hookCommand, bool failClosed, string stateDirectory)
    {
        var elsewhere = new HashSet<string>(StringComparer.Ordinal);
        var original = File.Exists(target.SettingsFile) ? File.ReadAllBytes(target.SettingsFile) : null;
        var settings = SettingsMerge.ParseObject(original, target.SettingsFile);
        var changed = Remove(settings, target.Agent);
        var backup = BackupPath(stateDirectory, target.SettingsFile);
        if (!File.Exists(backup))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(backup)!);
            // "absent" is kept as an empty backup plus a marker file.
            File.WriteAllBytes(backup, original ?? []);
            if (original is null)
            {
                File.WriteAllText(backup + ".absent", target.SettingsFile);
            }
        }
        switch (target.Agent)
        {
            case AgentNames.Cursor:
                settings["version"] ??= 1;
                if (settings["hooks"] is not JsonObject cursorHooks)
                {
                    settings["hooks"] = cursorHooks = [];
                }
                foreach (var spec in CursorWiring.Events)
                {
                    if (cursorHooks[spec.Native] is not JsonArray list)
                    {
                        cursorHooks[spec.Native] = list = [];
                    }
                    list.Add(CursorWiring.Entry(spec, hookCommand, failClosed));
                }
                changed = true;
                break;
            case AgentNames.Codex:
                // Codex runs the hooks of config.toml's [hooks] table as well as hooks.json's: an event whose Hookline
                // hook is declared there already would run twice if it were added here too.
                elsewhere = CodexHookSources.HooklineEventsInConfig(target.SettingsFile);
                var missing = CodexWiring.Events.Where(e => !elsewhere.Contains(e.Native)).ToList();
                if (missing.Count > 0)
                {
                    SettingsMerge.AddHooks(settings, missing, spec => CodexWiring.Group(spec, hookCommand));
                    changed = true;
                }
                break;
            case AgentNames.Copilot:
                CopilotWiring.AddHooks(settings, hookCommand);
                changed = true;
                break;
            case AgentNames.Gemini:
                SettingsMerge.AddHooks(settings, GeminiWiring.Events, spec => GeminiWiring.Group(spec, hookCommand));
                changed = true;
                break;
            case AgentNames.Qwen:
                SettingsMerge.AddHooks(settings, QwenWiring.Events, spec => QwenWiring.Group(spec, hookCommand));
                changed = true;
                break;
            default:
                SettingsMerge.AddHooks(settings, ClaudeWiring.Events, spec => ClaudeWiring.Group(spec, hookCommand, failClosed));
                changed = true;
                break;
        }
        // Unchanged (Codex: all of Hookline's hooks are declared in config.toml, none were here): the file stays as it is.
        if (changed && settings.Count == 0 && File.Exists(backup + ".absent"))
        {
            File.Delete(target.SettingsFile); // nothing left for a file that was not there
        }
        else if (changed)
        {
            SettingsMerge.Write(target.SettingsFile, settings);
        }
        return elsewhere;
    }

    /// <summary>Takes Hookline's entries out. Returns false when the file holds none.</summary>
    public static bool Uninstall(InstallTarget target, string stateDirectory)
    {
        var backup = BackupPath(stateDirectory, target.SettingsFile);
        if (!File.Exists(target.SettingsFile))
        {
            DeleteBackup(backup);
            return false;
        }
        var settings = SettingsMerge.ParseObject(File.ReadAllBytes(target.SettingsFile), target.SettingsFile);
        if (!Remove(settings, target.Agent))
        {
            return false;
        }
        if (File.Exists(backup))
        {
            var absent = File.Exists(backup + ".absent");
            var before = SettingsMerge.ParseObject(absent ? null : File.ReadAllBytes(backup), backup);
            if (target.Agent is AgentNames.Cursor or AgentNames.Copilot && settings.Count == 1 && settings["version"] is not null && absent)
            {
                settings.Remove("version");
            }
            if (JsonNode.DeepEquals(before, settings))
            {
                // Nothing else changed since install: give the user back their exact bytes.
                if (absent)
                {
                    File.Delete(target.SettingsFile);
                }
                else
                {
                    File.WriteAllBytes(target.SettingsFile, File.ReadAllBytes(backup));
                }
                DeleteBackup(backup);
                return true;
            }
            DeleteBackup(backup);
        }
        SettingsMerge.Write(target.SettingsFile, settings);
        return true;
    }

    /// <summary>Removes Hookline's hook entries (and the event lists and hooks object they leave empty).</summary>
    private static bool Remove(JsonObject settings, string agent)
    {
        if (settings["hooks"] is not JsonObject hooks)
        {
            return false;
        }
        var removed = false;
        foreach (var (name, value) in hooks.ToList())
        {
            if (value is not JsonArray list)
            {
                continue;
            }
            var removedHere = false;
            foreach (var item in list.ToList())
            {
                if (item is JsonObject group && IsHooklineGroup(group, agent))
                {
                    list.Remove(item);
                    removedHere = removed = true;
                }
            }
            if (list.Count == 0 && removedHere)
            {
                hooks.Remove(name);
            }
        }
        if (hooks.Count == 0 && removed)
        {
            settings.Remove("hooks");
        }
        return removed;
    }

    /// <summary>A flat Cursor (or Copilot: <c>bash</c>) entry with a Hookline command, or a matcher group whose hooks are all Hookline's.</summary>
    private static bool IsHooklineGroup(JsonObject group, string agent)
    {
        if ((group["command"] ?? group["bash"]) is JsonValue command)
        {
            return IsHooklineCommand(command.GetValue<string>(), agent);
        }
        return group["hooks"] is JsonArray { Count: > 0 } hooks
            && hooks.All(h => h is JsonObject o && o["command"] is JsonValue c && IsHooklineCommand(c.GetValue<string>(), agent));
    }

    private static string BackupPath(string stateDirectory, string settingsFile)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settingsFile)))[..16];
        return Path.Combine(stateDirectory, "installed", hash + ".orig");
    }

    private static void DeleteBackup(string backup)
    {
        File.Delete(backup);
        File.Delete(backup + ".absent");
    }
}
