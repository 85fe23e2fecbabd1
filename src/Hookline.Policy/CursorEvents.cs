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
                // Cursor may send the arguments as a JSON string: parameter rules (mcp__db__query(sql:DROP *)) need the object.
                if (root.TryGetProperty("tool_input", out var arguments) && arguments.ValueKind == JsonValueKind.String)
                {
                    toolInput = ObjectOrNull(arguments.GetString()!);
                }

                // Cursor does not always say which server the tool belongs to (an unnamed server: mcp____tool).
                // A tool named like a full MCP name ("mcp__github__x") is still the unnamed server's: the server picks its tool names.
                return ToolNames.CursorMcpTool(tool, Text(root, "server"));
            default:
                return null;
        }
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static byte[]? ObjectOrNull(string json)
    {
        try
        {
            using var parsed = JsonDocument.Parse(json);
            return parsed.RootElement.ValueKind == JsonValueKind.Object ? System.Text.Encoding.UTF8.GetBytes(parsed.RootElement.GetRawText()) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

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
