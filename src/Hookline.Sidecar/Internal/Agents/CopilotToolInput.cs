using System.Text.Json;
using Google.Protobuf;
using Hookline.Policy;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// GitHub Copilot CLI names its tools' arguments its own way (<c>view {path}</c>, <c>create {path, file_text}</c>,
/// <c>edit {path, old_str, new_str}</c>, <c>grep/glob {paths}</c>, <c>task {agent_type}</c>). Decoding adds Claude's
/// name beside each, so one rule such as <c>Edit(./x)</c> governs every agent; every field Copilot sent is kept as it
/// was. A rewrite goes back in Copilot's own names, without the added fields.
/// </summary>
internal static class CopilotToolInput
{
    /// <summary>(Copilot's argument, Claude's argument) for each canonical tool.</summary>
    private static (string Native, string Claude)[] Pairs(string canonicalTool) => canonicalTool switch
    {
        // The file tools' names are the ones Copilot's Claude-shaped hooks use too: one list, ArgumentNames.Copilot.
        ToolNames.Read or ToolNames.Write or ToolNames.Edit => FilePairs,
        ToolNames.Grep or ToolNames.Glob => [("paths", "path")],
        ToolNames.Agent => [("agent_type", "subagent_type")],
        _ => [],
    };

    private static readonly (string Native, string Claude)[] FilePairs = [.. ArgumentNames.Copilot.Select(a => (a.Native, a.Claude))];

    /// <summary>Every tool's pairs: a rewrite's answer does not name its tool, so the fields present tell the pairs apart.</summary>
    private static readonly (string Native, string Claude)[] AllPairs =
        [.. new[] { ToolNames.Write, ToolNames.Edit, ToolNames.Grep, ToolNames.Agent }.SelectMany(Pairs).Distinct()];

    /// <summary>
    /// The tool input with Claude's argument names added beside Copilot's (only where Claude's is absent). Where the
    /// model sent both names with different values, the policy would judge one while the tool may use the other: as in
    /// the Claude-shaped hooks (<see cref="ArgumentNames.TryMirror"/>), that fails decoding, except for a file path,
    /// which the policy judges under both names.
    /// </summary>
    /// <param name="cwd">Where relative paths start: a search of several directories is judged as one of the directory
    /// that holds them all, so a deny on any of them is never lost (a search above a protected directory is at least ask).</param>
    public static bool TryCanonical(string canonicalTool, JsonElement input, string cwd, out ByteString toolInput, out string error)
    {
        error = "";
        var added = new List<(string Name, string Value)>();
        if (input.ValueKind == JsonValueKind.Object)
        {
            foreach (var (native, claude) in Pairs(canonicalTool))
            {
                if (!input.TryGetProperty(native, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                if (input.TryGetProperty(claude, out var given))
                {
                    if (claude != "file_path" && !JsonElement.DeepEquals(given, value))
                    {
                        toolInput = ByteString.Empty;
                        error = $"toolArgs gives {claude} and {native} different values, and which one the tool reads is unknown";
                        return false;
                    }
                }
                else if (Single(value, cwd) is { } single)
                {
                    added.Add((claude, single));
                }
            }
        }
        if (added.Count == 0)
        {
            toolInput = input.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
                ? ByteString.Empty
                : ByteString.CopyFrom(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(input));
            return true;
        }
        toolInput = ByteString.CopyFrom(HookJson.Write(w =>
        {
            foreach (var property in input.EnumerateObject())
            {
                property.WriteTo(w);
            }
            foreach (var (name, value) in added)
            {
                w.WriteString(name, value);
            }
        }));
        return true;
    }

    /// <summary>
    /// A rewritten input in Copilot's own names: each field decoding added is left out, and where the rule changed it,
    /// its value goes into Copilot's field instead.
    /// </summary>
    public static void WriteNative(Utf8JsonWriter w, ReadOnlySpan<byte> rewritten, ReadOnlySpan<byte> decoded)
    {
        var pairs = AllPairs;
        using var after = JsonDocument.Parse(rewritten.ToArray());
        using var before = JsonDocument.Parse(decoded.IsEmpty ? "{}"u8.ToArray() : decoded.ToArray());
        var root = after.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            w.WriteRawValue(rewritten);
            return;
        }
        w.WriteStartObject();
        foreach (var property in root.EnumerateObject())
        {
            var pair = Array.FindIndex(pairs, p => property.NameEquals(p.Native));
            var added = Array.FindIndex(pairs, p => property.NameEquals(p.Claude) && root.TryGetProperty(p.Native, out _));
            if (added >= 0)
            {
                continue; // Hookline's own field: Copilot's tool does not know it.
            }
            if (pair >= 0 && root.TryGetProperty(pairs[pair].Claude, out var claude) && Changed(before.RootElement, pairs[pair].Claude, claude))
            {
                w.WritePropertyName(property.Name);
                claude.WriteTo(w);
                continue;
            }
            property.WriteTo(w);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// A string value itself; for grep's and glob's <c>paths</c> array, its one directory, or the deepest directory
    /// holding all of them (<c>/</c> when one starts at <c>~</c> or is not a string). Null for anything else.
    /// </summary>
    private static string? Single(JsonElement value, string cwd)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            return null;
        }
        if (value.GetArrayLength() == 1 && value[0].ValueKind == JsonValueKind.String)
        {
            return value[0].GetString();
        }
        string[]? common = null;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { } path || path.StartsWith('~')
                || (!path.StartsWith('/') && !cwd.StartsWith('/')))
            {
                return "/";
            }
            var segments = Path.GetFullPath(path, cwd.StartsWith('/') ? cwd : "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
            var shared = common is null ? segments.Length : common.Zip(segments).TakeWhile(p => p.First == p.Second).Count();
            common = (common ?? segments)[..shared];
        }
        return "/" + string.Join('/', common!);
    }

    private static bool Changed(JsonElement before, string name, JsonElement now) =>
        !before.TryGetProperty(name, out var old) || old.GetRawText() != now.GetRawText();
}
