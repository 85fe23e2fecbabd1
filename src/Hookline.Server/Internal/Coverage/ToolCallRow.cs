namespace Hookline.Server.Internal.Coverage;

/// <summary>
/// One tool call of a session as coverage knows it: the PreToolUse decision asked for it, the evidence that it ran, and
/// whether a decision governed it. A <c>tool_calls</c> row: written in the same transaction as the events it comes from.
/// </summary>
internal sealed class ToolCallRow
{
    public const string Pending = "pending";
    public const string Governed = "governed";
    public const string Ungoverned = "ungoverned";

    public static readonly string[] Columns =
    [
        "session_id", "call_key", "tool_name", "tool_use_id", "match_key", "pre_event_id", "pre_verdict", "pre_source",
        "pre_at_ms", "ran_event_id", "ran_source", "ran_at_ms", "status", "cause", "heuristic", "subagent_id",
    ];

    public required string SessionId { get; init; }

    /// <summary>The agent's tool_use_id (<c>id:</c>…), else the event that created the row (<c>pre:</c>/<c>ran:</c>…).</summary>
    public required string CallKey { get; init; }

    public required string ToolName { get; init; }

    public required string ToolUseId { get; init; }

    /// <summary>Without a tool_use_id: the tool and a hash of its canonical input, the key of order matching; else empty.</summary>
    public required string MatchKey { get; init; }

    public string? PreEventId { get; set; }

    /// <summary>What the agent was told: allow, deny, ask, or none (no answer, the agent's own prompts apply).</summary>
    public string? PreVerdict { get; set; }

    /// <summary>Who answered: remote, local, fail_open, fail_closed, hook, ...</summary>
    public string? PreSource { get; set; }

    public long? PreAtMs { get; set; }

    public string? RanEventId { get; set; }

    /// <summary>The evidence that the call ran: post_tool_use, or the agent's own record (transcript).</summary>
    public string? RanSource { get; set; }

    public long? RanAtMs { get; set; }

    public string Status { get; set; } = Pending;

    public string? Cause { get; set; }

    /// <summary>Matched on (session, tool, input hash, order) rather than a tool_use_id the agent sent.</summary>
    public bool Heuristic { get; set; }

    public string SubagentId { get; set; } = "";

    /// <summary>Changed in this batch: written back.</summary>
    public bool Dirty { get; set; }

    public object?[] Values() =>
    [
        SessionId, CallKey, ToolName, ToolUseId, MatchKey, PreEventId, PreVerdict, PreSource, PreAtMs, RanEventId,
        RanSource, RanAtMs, Status, Cause, Heuristic ? 1L : 0L, SubagentId,
    ];

    /// <summary>A row as read back, in the order of <see cref="Columns"/>.</summary>
    public static ToolCallRow Read(System.Data.Common.DbDataReader r) => new()
    {
        SessionId = r.GetString(0),
        CallKey = r.GetString(1),
        ToolName = r.GetString(2),
        ToolUseId = r.GetString(3),
        MatchKey = r.GetString(4),
        PreEventId = r.IsDBNull(5) ? null : r.GetString(5),
        PreVerdict = r.IsDBNull(6) ? null : r.GetString(6),
        PreSource = r.IsDBNull(7) ? null : r.GetString(7),
        PreAtMs = r.IsDBNull(8) ? null : r.GetInt64(8),
        RanEventId = r.IsDBNull(9) ? null : r.GetString(9),
        RanSource = r.IsDBNull(10) ? null : r.GetString(10),
        RanAtMs = r.IsDBNull(11) ? null : r.GetInt64(11),
        Status = r.GetString(12),
        Cause = r.IsDBNull(13) ? null : r.GetString(13),
        Heuristic = r.GetInt64(14) != 0,
        SubagentId = r.GetString(15),
    };
}
