using System.Text.Json;

namespace Hookline.Policy;

/// <summary>Builds a <see cref="PolicyInput"/> from an agent's hook stdin JSON (Claude Code, Codex, Gemini CLI, Cursor).</summary>
public static class HookEventReader
{
    private static readonly Dictionary<string, string> EventAliases = new(StringComparer.Ordinal)
    {
        // Gemini CLI.
        ["BeforeTool"] = "PreToolUse",
        ["AfterTool"] = "PostToolUse",
        ["BeforeAgent"] = "UserPromptSubmit",
        // Cursor.
        ["beforeShellExecution"] = "PreToolUse",
        ["beforeMCPExecution"] = "PreToolUse",
        ["beforeReadFile"] = "PreToolUse",
        ["beforeSubmitPrompt"] = "UserPromptSubmit",
    };

    /// <summary>Maps an agent's event name to the canonical one (unknown names pass through).</summary>
    public static string CanonicalEvent(string? hookEvent) =>
        hookEvent is null ? "" : EventAliases.TryGetValue(hookEvent, out var canonical) ? canonical : hookEvent;

    /// <summary>Reads <c>tool_name</c>, <c>tool_input</c>, <c>cwd</c>, <c>hook_event_name</c>, <c>session_id</c>, <c>prompt</c> and <c>tool_use_id</c>.</summary>
    public static PolicyInput FromJson(JsonElement root, string? agent = null, string? user = null, string? homeDirectory = null, string? org = null)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("a hook event must be a JSON object", nameof(root));
        }
        if (JsonValidity.Problem(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(root)) is { } problem)
        {
            throw new ArgumentException("the hook event has text that cannot be read: " + problem, nameof(root));
        }

        var hookEvent = CanonicalEvent(Text(root, "hook_event_name"));
        var toolName = Text(root, "tool_name") ?? "";
        var toolInput = root.TryGetProperty("tool_input", out var ti) ? ti.Clone() : default;

        if (Text(root, "hook_event_name") == "beforeMCPExecution" && toolName.Length > 0)
        {
            // As the sidecar names it: Cursor does not say which server the tool belongs to.
            toolName = ToolNames.CursorMcpTool(toolName, Text(root, "server"));
            if (toolInput.ValueKind == JsonValueKind.String && ParseObject(toolInput.GetString()!) is { } arguments)
            {
                toolInput = arguments;
            }
        }

        // Cursor's shell and MCP hooks carry the command at the top level.
        if (toolName.Length == 0 && Text(root, "command") is { } command && hookEvent == "PreToolUse")
        {
            toolName = ToolNames.Bash;
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteString("command", command);
                writer.WriteEndObject();
            }

            using var parsed = JsonDocument.Parse(stream.ToArray());
            toolInput = parsed.RootElement.Clone();
        }

        return new PolicyInput
        {
            ToolName = ToolNames.Canonicalize(toolName),
            ToolInput = toolInput,
            HookEvent = hookEvent.Length == 0 ? "PreToolUse" : hookEvent,
            Cwd = Text(root, "cwd") ?? (root.TryGetProperty("workspace_roots", out var roots) && roots.ValueKind == JsonValueKind.Array && roots.GetArrayLength() > 0 ? roots[0].GetString() : null),
            HomeDirectory = homeDirectory,
            Agent = agent,
            SessionId = Text(root, "session_id"),
            User = user,
            Org = org,
            Prompt = Text(root, "prompt"),
            ToolUseId = Text(root, "tool_use_id"),
        };
    }

    private static JsonElement? ParseObject(string json)
    {
        try
        {
            using var parsed = JsonDocument.Parse(json);
            return parsed.RootElement.ValueKind == JsonValueKind.Object ? parsed.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
