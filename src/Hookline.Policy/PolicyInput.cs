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

    /// <summary>For <c>~</c> expansion; null means the process's home directory.</summary>
    public string? HomeDirectory { get; init; }

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
