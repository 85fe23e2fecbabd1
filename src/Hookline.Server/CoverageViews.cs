namespace Hookline.Server;

/// <summary>
/// One tool call as coverage knows it, as <c>hookline coverage --json</c>, the read API (<c>/api/coverage</c>) and the
/// dashboard show it.
/// </summary>
/// <param name="Status">governed (a decision in force when it ran), ungoverned (ran without one), pending (decided, not yet seen to run).</param>
/// <param name="Cause">Why an ungoverned call had no decision: no_hook, hook_timed_out, subagent, mcp_tool, ran_although_denied, fail_open, reused_tool_use_id.</param>
/// <param name="Heuristic">Matched on (session, tool, input hash, order): the agent sends no tool_use_id.</param>
/// <param name="Decision">What the agent was told at PreToolUse (allow, deny, ask, none); null without one.</param>
/// <param name="Source">Who answered the PreToolUse: remote, local, fail_open, fail_closed, hook.</param>
/// <param name="RanSource">The evidence that it ran: post_tool_use, or the agent's own record (transcript).</param>
public sealed record ToolCallView(
    string SessionId, string ToolName, string ToolUseId, string Status, string? Cause, bool Heuristic, string? Decision,
    string? Source, string? PreEventId, string? RanEventId, string? RanSource, DateTimeOffset? DecidedAt, DateTimeOffset? RanAt,
    string SubagentId);

/// <summary>One session's coverage: of the calls seen to run, how many a decision governed, and why the others had none.</summary>
public sealed record CoverageSessionView(
    string SessionId, string Agent, string User, string Org, long Ran, long Governed, long Ungoverned, long Heuristic,
    long Pending, IReadOnlyDictionary<string, long> Causes);

/// <summary>
/// Coverage of one session (every call), or of every session the caller may read (the ungoverned calls, newest first).
/// </summary>
public sealed record CoverageView(IReadOnlyList<CoverageSessionView> Sessions, IReadOnlyList<ToolCallView> Calls);
