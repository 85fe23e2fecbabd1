using System.Text.Json;
using Google.Protobuf;
using Hookline.Policy;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// File tools whose arguments an agent names differently from Claude Code. Decoding adds Claude's name beside the
/// agent's own (a mirror), so one rule, or a condition on <c>tool_input.content</c>, governs every agent; the answer
/// takes the mirror out again, so a rewrite reaches the tool in the names it reads.
/// </summary>
internal static class ArgumentNames
{
    /// <summary>An argument's name in the agent's tool, and Claude's name for it.</summary>
    internal readonly record struct Alias(string Native, string Claude);

    /// <summary>
    /// GitHub Copilot CLI's <c>view</c>, <c>create</c> and <c>edit</c>, also in the Claude-shaped hooks it runs (1.0.102
    /// sends <c>"tool_name":"Write","tool_input":{"path":..,"file_text":..}</c>): told apart by the names alone, never
    /// by COPILOT_CLI, which a Claude Code started from inside Copilot inherits.
    /// </summary>
    internal static readonly Alias[] Copilot =
        [new("path", "file_path"), new("file_text", "content"), new("old_str", "old_string"), new("new_str", "new_string")];

    /// <summary>Gemini CLI's read_file in older builds.</summary>
    internal static readonly Alias[] Gemini = [new("absolute_path", "file_path")];

    /// <summary>
    /// The tool input with Claude's name added for each aliased argument that has only the agent's. Where the input
    /// has both names with different values, a path goes to the policy under both (it decides on every named file);
    /// any other argument fails decoding, since which value the tool uses is unknown. Every field sent stays as it was.
    /// </summary>
    internal static bool TryMirror(JsonElement root, string canonicalTool, Alias[] aliases, out ByteString toolInput, out string error)
    {
        toolInput = HookJson.Raw(root, "tool_input");
        error = "";
        if (canonicalTool is not (ToolNames.Read or ToolNames.Write or ToolNames.Edit)
            || !root.TryGetProperty("tool_input", out var input) || input.ValueKind != JsonValueKind.Object)
        {
            return true;
        }
        List<(string Name, JsonElement Value)>? added = null;
        foreach (var (native, claude) in aliases)
        {
            if (!input.TryGetProperty(native, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (!input.TryGetProperty(claude, out var given))
            {
                (added ??= []).Add((claude, value));
            }
            else if (claude != "file_path" && !JsonElement.DeepEquals(given, value))
            {
                error = $"tool_input gives {claude} and {native} different values, and which one the tool reads is unknown";
                return false;
            }
        }
        if (added is not null)
        {
            toolInput = ByteString.CopyFrom(HookJson.Write(w =>
            {
                foreach (var property in input.EnumerateObject())
                {
                    property.WriteTo(w);
                }
                foreach (var (name, value) in added)
                {
                    w.WritePropertyName(name);
                    value.WriteTo(w);
                }
            }));
        }
        return true;
    }

    /// <summary>
    /// Writes the policy's rewritten input in the agent's names: where <paramref name="decoded"/> holds a mirror
    /// (<see cref="TryMirror"/>), the mirror is left out and the agent's own field gets the rule's value, whichever of
    /// the two names the rule set. Without mirrors, the rewritten input as it is. (Copilot 1.0.102, Claude-shaped
    /// hooks: its create tool writes to updatedInput's <c>path</c> and ignores a <c>file_path</c> beside it, so a rule
    /// setting <c>file_path</c> would otherwise be silently unapplied; <c>file_path</c> alone fails its validation.)
    /// </summary>
    internal static void WriteNative(Utf8JsonWriter w, ReadOnlySpan<byte> rewritten, ReadOnlySpan<byte> decoded, Alias[] aliases)
    {
        using var before = JsonDocument.Parse(decoded.IsEmpty ? "{}"u8.ToArray() : decoded.ToArray());
        var mirrors = Array.FindAll(aliases, a => IsMirror(before.RootElement, a));
        using var after = JsonDocument.Parse(rewritten.ToArray());
        if (mirrors.Length == 0 || after.RootElement.ValueKind != JsonValueKind.Object)
        {
            w.WriteRawValue(rewritten);
            return;
        }
        var root = after.RootElement;
        w.WriteStartObject();
        foreach (var property in root.EnumerateObject())
        {
            var alias = Array.Find(mirrors, a => property.NameEquals(a.Native) || property.NameEquals(a.Claude));
            if (alias.Native is null)
            {
                property.WriteTo(w);
            }
            else if (property.NameEquals(alias.Native))
            {
                var claudeChanged = root.TryGetProperty(alias.Claude, out var set)
                    && !JsonElement.DeepEquals(set, before.RootElement.GetProperty(alias.Claude));
                w.WritePropertyName(alias.Native);
                (claudeChanged ? set : property.Value).WriteTo(w);
            }
        }
        w.WriteEndObject();
    }

    private static bool IsMirror(JsonElement decoded, Alias alias)
        => decoded.ValueKind == JsonValueKind.Object
            && decoded.TryGetProperty(alias.Native, out var native) && decoded.TryGetProperty(alias.Claude, out var claude)
            && JsonElement.DeepEquals(native, claude);
}
