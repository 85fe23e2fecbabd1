using System.Text.Json;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;

namespace Hookline.Cli.Wiring;

/// <summary>One command hook as declared in a Codex hooks file: its event (<c>PreToolUse</c>, ...), its command, the file.</summary>
internal sealed record CodexDeclaredHook(string Event, string Command, string Source)
{
    public bool IsHookline => HookInstaller.IsHooklineCommand(Command, CodexWiring.Agent);
}

/// <summary>
/// Codex reads a layer's hooks from two places: <c>hooks.json</c> and the <c>[hooks]</c> table of the same layer's
/// <c>config.toml</c> (<c>[[hooks.PreToolUse]]</c> groups with <c>[[hooks.PreToolUse.hooks]]</c> handlers, the same
/// shape as hooks.json). It loads both and runs both: a hook declared in each runs twice. Trust is per place: the key
/// names the file (<c>/home/u/.codex/config.toml:pre_tool_use:0:0</c>), the hash only the definition.
/// </summary>
internal static class CodexHookSources
{
    /// <summary>The config.toml beside <paramref name="hooksFile"/>: the same layer (user or project).</summary>
    public static string ConfigOf(string hooksFile) => Path.Combine(Path.GetDirectoryName(hooksFile)!, "config.toml");

    /// <summary>Every command hook of the layer of <paramref name="hooksFile"/>: hooks.json first, then config.toml.</summary>
    /// <exception cref="InvalidDataException">One of the two files cannot be read as its format.</exception>
    public static List<CodexDeclaredHook> Read(string hooksFile)
    {
        var config = ConfigOf(hooksFile);
        return
        [
            .. File.Exists(hooksFile) ? FromJson(File.ReadAllBytes(hooksFile), hooksFile) : [],
            .. File.Exists(config) ? FromToml(File.ReadAllText(config), config) : [],
        ];
    }

    /// <summary>The events whose Hookline hook config.toml already declares (empty when it is absent or not valid TOML).</summary>
    public static HashSet<string> HooklineEventsInConfig(string hooksFile)
    {
        var config = ConfigOf(hooksFile);
        try
        {
            return File.Exists(config)
                ? FromToml(File.ReadAllText(config), config).Where(h => h.IsHookline).Select(h => h.Event).ToHashSet(StringComparer.Ordinal)
                : [];
        }
        catch (InvalidDataException)
        {
            return []; // Codex cannot read it either; the trust step says so.
        }
    }

    /// <summary>The command hooks in a config.toml's <c>[hooks]</c> table (its <c>state</c> table holds trust, not hooks).</summary>
    /// <exception cref="InvalidDataException">The text is not valid TOML.</exception>
    public static List<CodexDeclaredHook> FromToml(string text, string path)
    {
        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize(text, CodexTomlContext.Default.TomlTable) ?? [];
        }
        catch (TomlException ex)
        {
            throw new InvalidDataException($"{path} is not valid TOML: {ex.Message}", ex);
        }
        var found = new List<CodexDeclaredHook>();
        if (root.TryGetValue("hooks", out var value) && value is TomlTable hooks)
        {
            foreach (var (name, groups) in hooks)
            {
                if (name == "state")
                {
                    continue;
                }
                foreach (var group in Tables(groups))
                {
                    if (group.TryGetValue("hooks", out var handlers))
                    {
                        found.AddRange(Tables(handlers).Where(h => h.TryGetValue("command", out var c) && c is string)
                            .Select(h => new CodexDeclaredHook(name, (string)h["command"], path)));
                    }
                }
            }
        }
        return found;
    }

    /// <summary>The command hooks in a hooks.json document.</summary>
    /// <exception cref="InvalidDataException">The bytes are not valid JSON.</exception>
    public static List<CodexDeclaredHook> FromJson(byte[] bytes, string path)
    {
        var found = new List<CodexDeclaredHook>();
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("hooks", out var hooks) || hooks.ValueKind != JsonValueKind.Object)
            {
                return found;
            }
            foreach (var ev in hooks.EnumerateObject().Where(e => e.Value.ValueKind == JsonValueKind.Array))
            {
                foreach (var group in ev.Value.EnumerateArray().Where(g => g.ValueKind == JsonValueKind.Object))
                {
                    if (group.TryGetProperty("hooks", out var handlers) && handlers.ValueKind == JsonValueKind.Array)
                    {
                        found.AddRange(handlers.EnumerateArray()
                            .Where(h => h.ValueKind == JsonValueKind.Object && h.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String)
                            .Select(h => new CodexDeclaredHook(ev.Name, h.GetProperty("command").GetString()!, path)));
                    }
                }
            }
            return found;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The tables of a TOML array of tables, or of an array of inline tables.</summary>
    private static IEnumerable<TomlTable> Tables(object? value) => value switch
    {
        TomlTableArray tables => tables,
        TomlArray array => array.OfType<TomlTable>(),
        _ => [],
    };
}

/// <summary>Source-generated TOML metadata: the CLI is Native AOT, so no reflection.</summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class CodexTomlContext : TomlSerializerContext;
