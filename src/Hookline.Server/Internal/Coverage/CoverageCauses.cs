namespace Hookline.Server.Internal.Coverage;

/// <summary>
/// Why a tool call that ran had no policy decision in force: the <c>cause</c> of an ungoverned call, in the store, the
/// read API, <c>hookline coverage</c> and the <c>hookline_ungoverned_tool_calls_total</c> metric.
/// </summary>
internal static class CoverageCauses
{
    /// <summary>No PreToolUse arrived for the call at all (a matcher that missed the tool, a hook not installed).</summary>
    public const string NoHook = "no_hook";

    /// <summary>The PreToolUse arrived, but its answer was not what the agent applied: it reached the server only after
    /// the call ran, or the hook gave up on the sidecar and applied its own fail mode.</summary>
    public const string HookTimedOut = "hook_timed_out";

    /// <summary>No PreToolUse, and the agent marked the call as a subagent's (Claude Code's <c>agent_id</c>).</summary>
    public const string Subagent = "subagent";

    /// <summary>No PreToolUse for an MCP tool (<c>mcp__server__tool</c>).</summary>
    public const string McpTool = "mcp_tool";

    /// <summary>The PreToolUse was answered deny, and the tool ran anyway.</summary>
    public const string RanAlthoughDenied = "ran_although_denied";

    /// <summary>The sidecar had no usable policy and its fail mode (open) let the call run undecided.</summary>
    public const string FailOpen = "fail_open";

    /// <summary>A second call ran under a tool_use_id another call had already run under (an id the model API chose,
    /// reused): which decision it had cannot be told, so none is counted.</summary>
    public const string ReusedToolUseId = "reused_tool_use_id";

    public static readonly string[] All = [NoHook, HookTimedOut, Subagent, McpTool, RanAlthoughDenied, FailOpen, ReusedToolUseId];
}
