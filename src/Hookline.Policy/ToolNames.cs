namespace Hookline.Policy;

/// <summary>The canonical tool vocabulary, and the mapping from each agent's own tool names to it.</summary>
public static class ToolNames
{
    public const string Bash = "Bash";
    public const string Read = "Read";
    public const string Edit = "Edit";
    public const string Write = "Write";
    public const string MultiEdit = "MultiEdit";
    public const string NotebookEdit = "NotebookEdit";
    public const string Glob = "Glob";
    public const string Grep = "Grep";
    public const string WebFetch = "WebFetch";
    public const string WebSearch = "WebSearch";
    public const string Agent = "Agent";

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        // Claude Code's older name for Agent.
        ["Task"] = Agent,
        // Gemini CLI.
        ["run_shell_command"] = Bash,
        ["read_file"] = Read,
        ["read_many_files"] = Read,
        ["write_file"] = Write,
        ["replace"] = Edit,
        ["glob"] = Glob,
        ["search_file_content"] = Grep,
        ["grep_search"] = Grep,
        ["web_fetch"] = WebFetch,
        ["google_web_search"] = WebSearch,
        // Qwen Code (a Gemini CLI fork: the Gemini names above, and these; its arguments already have Claude's names).
        ["edit"] = Edit,
        ["agent"] = Agent,
        ["task"] = Agent,
        ["notebook_edit"] = NotebookEdit,
        ["web_search"] = WebSearch,
        // Qwen's monitor runs `sh -c COMMAND` as run_shell_command does (Qwen's own rules treat both as the shell).
        ["monitor"] = Bash,
        // Qwen's and Gemini's directory listing ({path} or {dir_path}): a search of that directory, which Read rules govern.
        ["list_directory"] = Glob,
        // Qwen's image viewer ({file_path}): a read.
        ["zoom_image"] = Read,
        // Cursor.
        ["Shell"] = Bash,
        // Codex (older builds).
        ["shell"] = Bash,
        ["local_shell"] = Bash,
        ["apply_patch"] = Edit,
        // GitHub Copilot CLI (its camelCase hooks; "glob", "edit" and "task" are above).
        ["bash"] = Bash,
        ["view"] = Read,
        ["create"] = Write,
        ["grep"] = Grep,
    };

    /// <summary>Maps an agent's tool name to the canonical one (unknown names pass through unchanged).</summary>
    public static string Canonicalize(string? toolName) =>
        toolName is null ? "" : Aliases.TryGetValue(toolName, out var canonical) ? canonical : toolName;

    /// <summary>
    /// The canonical name of a Cursor <c>beforeMCPExecution</c> tool. Cursor names the tool but not its server (it sends
    /// the server's URL or launch command, which is not the name rules use): <c>mcp____tool</c>, an unknown server, which
    /// deny and ask rules match whatever server they name and allow rules never do. A <c>server</c> field, when an agent
    /// sends one, names it. A tool name that itself starts with <c>mcp__</c> stays the tool part: a server cannot pick
    /// the server name its tool is judged under.
    /// </summary>
    public static string CursorMcpTool(string tool, string? server) => "mcp__" + (server ?? "") + "__" + tool;

    /// <summary>The tool-input field a tool's rule specifier applies to (Bash → command, Read → file_path, ...), or null.</summary>
    public static string? PrimaryField(string canonicalTool) => canonicalTool switch
    {
        Bash => "command",
        Read or Edit or Write or MultiEdit => "file_path",
        NotebookEdit => "notebook_path",
        Glob or Grep => "path",
        WebFetch => "url",
        WebSearch => "query",
        Agent => "subagent_type",
        _ => null,
    };

    /// <summary>PreToolUse, PermissionRequest and UserPromptSubmit (and Gemini's BeforeTool/BeforeAgent) wait for a decision.</summary>
    public static bool IsBlockingEvent(string? hookEvent) =>
        hookEvent is "PreToolUse" or "PermissionRequest" or "UserPromptSubmit" or "BeforeTool" or "BeforeAgent";
}
