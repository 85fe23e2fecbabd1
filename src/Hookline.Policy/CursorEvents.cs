using System.Text.Json;

namespace Hookline.Policy;

/// <summary>
/// Cursor's flat <c>before*</c> hooks carry the command, file or MCP call at the top level. This is the one mapping onto
/// Claude's tool names, used by the sidecar and by <c>policy test</c>/<c>policy explain</c> alike, so the tools decide
/// a Cursor event exactly as production does.
/// </summary>
public static class CursorEvents
{
    /// <summary>The canonical tool of a Cursor event (<c>beforeReadFile</c> or <c>before-read-file</c>), or null when the event is not one of its flat tool hooks.</summary>
    /// <param name="toolInput">The tool input to use: a new object for shell and file hooks; null to keep the event's own <c>tool_input</c>.</param>
    public static string? ToolOf(string nativeEvent, JsonElement root, out byte[]? toolInput)
    {
        toolInput = null;
        switch (nativeEvent.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant())
        {
            case "beforeshellexecution":
                toolInput = Object("command", Text(root, "command"));
                return ToolNames.Bash;
            case "beforereadfile":
                toolInput = Object("file_path", Text(root, "file_path"));
                return ToolNames.Read;
            case "beforemcpexecution":
                var tool = Text(root, "tool_name");
                return tool.StartsWith("mcp__", StringComparison.Ordinal) ? tool : "mcp__" + Text(root, "server") + "__" + tool;
            default:
                return null;
        }
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static byte[] Object(string name, string value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString(name, value);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
