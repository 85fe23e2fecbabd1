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
    public static PolicyInput FromJson(JsonElement root, string? agent = null, string? user = null, string? homeDirectory = null, string? org = null) =>
        FromJson(root, new HookContext { Agent = agent, User = user, HomeDirectory = homeDirectory, Org = org });

    /// <summary>The same, with what the agent's side reports beside the event (home, project root, platform, ...).</summary>
    public static PolicyInput FromJson(JsonElement root, HookContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
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

        // Cursor's flat hooks: the same mapping as the sidecar's.
        if (Text(root, "hook_event_name") is { } native && CursorEvents.ToolOf(native, root, out var flatInput) is { } flatTool)
        {
            toolName = flatTool;
            if (flatInput is not null)
            {
                using var parsed = JsonDocument.Parse(flatInput);
                toolInput = parsed.RootElement.Clone();
            }
        }

        return new PolicyInput
        {
            ToolName = ToolNames.Canonicalize(toolName),
            ToolInput = toolInput,
            HookEvent = hookEvent.Length == 0 ? "PreToolUse" : hookEvent,
            Cwd = context.Cwd ?? Text(root, "cwd") ?? WorkspaceRoot(root),
            HomeDirectory = context.HomeDirectory,
            ProjectDirectory = context.ProjectDirectory ?? WorkspaceRoot(root),
            CaseInsensitivePaths = context.CaseInsensitivePaths,
            UserHomes = context.UserHomes,
            ResolvedPaths = context.ResolvedPaths,
            Agent = context.Agent,
            SessionId = Text(root, "session_id"),
            User = context.User,
            Org = context.Org,
            Prompt = Text(root, "prompt"),
            ToolUseId = Text(root, "tool_use_id"),
        };
    }

    /// <summary>Cursor's <c>workspace_roots[0]</c>: the project directory.</summary>
    public static string? WorkspaceRoot(JsonElement root) =>
        root.TryGetProperty("workspace_roots", out var roots) && roots.ValueKind == JsonValueKind.Array && roots.GetArrayLength() > 0
            && roots[0].ValueKind == JsonValueKind.String ? roots[0].GetString() : null;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What the agent's side reports beside a hook event: who, where, and how its file system compares names.</summary>
public sealed record HookContext
{
    public string? Agent { get; init; }
    public string? User { get; init; }
    public string? Org { get; init; }

    /// <summary>The agent user's home; null when unknown (see <see cref="PolicyInput.HomeDirectory"/>).</summary>
    public string? HomeDirectory { get; init; }

    /// <summary>The session's project root; null: the event's own (Cursor's workspace root), else its cwd.</summary>
    public string? ProjectDirectory { get; init; }

    /// <summary>Replaces the event's <c>cwd</c> when set.</summary>
    public string? Cwd { get; init; }

    public bool CaseInsensitivePaths { get; init; }
    public IReadOnlyDictionary<string, string>? UserHomes { get; init; }
    public IReadOnlyList<string>? ResolvedPaths { get; init; }
}
