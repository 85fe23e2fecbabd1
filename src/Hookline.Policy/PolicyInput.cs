using System.Text.Json;

namespace Hookline.Policy;

/// <summary>One hook event as the policy sees it. Tool names are canonicalised on evaluation (see <see cref="ToolNames"/>).</summary>
public sealed class PolicyInput
{
    /// <summary>Canonical tool name (Bash, Read, Edit, ..., mcp__srv__tool); "" for events without a tool.</summary>
    public required string ToolName { get; init; }

    /// <summary>The tool's input object; <c>default</c> (Undefined) when absent.</summary>
    public JsonElement ToolInput { get; init; }

    /// <summary>Canonical hook event name, e.g. PreToolUse.</summary>
    public string HookEvent { get; init; } = "PreToolUse";

    public string? Cwd { get; init; }

    /// <summary>
    /// The agent user's home, for <c>~</c>. Null or empty means unknown: never the home of the evaluating process. Then
    /// deny and ask rules with <c>~</c> match under any home, and allow rules with <c>~</c> match nothing.
    /// </summary>
    public string? HomeDirectory { get; init; }

    /// <summary>
    /// The session's project root (the agent's project directory, or the working directory at session start): where
    /// <c>./</c> and <c>/</c> in path patterns are anchored. Null: the event's <see cref="Cwd"/>.
    /// </summary>
    public string? ProjectDirectory { get; init; }

    /// <summary>The agent's file system compares names case-insensitively (macOS and Windows by default).</summary>
    public bool CaseInsensitivePaths { get; init; }

    /// <summary>The homes of other users named as <c>~user</c> in the tool's paths, as the sidecar looked them up.</summary>
    public IReadOnlyDictionary<string, string>? UserHomes { get; init; }

    /// <summary>
    /// The real paths (symbolic links resolved) of the tool's file paths, where they differ from the paths as written.
    /// The policy sees both: a deny or ask matching either wins; an allow needs both allowed.
    /// </summary>
    public IReadOnlyList<string>? ResolvedPaths { get; init; }

    /// <summary>claude | codex | gemini | cursor.</summary>
    public string? Agent { get; init; }

    public string? SessionId { get; init; }

    public string? User { get; init; }

    /// <summary>The organisation of the session's identity (its token's <c>--org</c>, or a JWT claim).</summary>
    public string? Org { get; init; }

    public string? Prompt { get; init; }

    /// <summary>The agent's tool_use_id: a PreToolUse and a PermissionRequest with the same id count once in session counters.</summary>
    public string? ToolUseId { get; init; }
}
