namespace Hookline.Server.Internal.Coverage;

/// <summary>
/// Matches each call that ran against the PreToolUse decision asked for it, one batch of stored events at a time, over
/// the rows the store holds for them. Pure: the store loads what <see cref="Wanted"/> names and writes back
/// <see cref="Dirty"/>, in the transaction that stores the events, so the state lives in the store and nothing is held
/// between batches (a session's calls cost rows, not memory, however many PreToolUse a hostile agent sends).
/// </summary>
/// <remarks>
/// <para>With a tool_use_id (Claude Code, Codex, Cursor) a call is its id. A second PostToolUse under an id that already
/// ran (a model API that chose the id reused it) is not merged into the first: it is a call of its own, ungoverned,
/// <see cref="CoverageCauses.ReusedToolUseId"/>. The same call reported twice (a replay of one event, or a PostToolUse
/// and the agent's own record) stays one call.</para>
/// <para>Without one (Gemini CLI, Copilot CLI) a call ran is matched on session, tool and input hash, marked heuristic,
/// and only to a PreToolUse that could plausibly be its own: one asked at most <see cref="MaxHeuristicAgeMs"/> before it
/// ran (a PreToolUse whose call never ran, declined or interrupted, must not cover a later unasked run forever). Of
/// those, when the newest answered deny or ask (both block the call for these agents) the run is that call, ran
/// although denied; else it takes the oldest allowed one (identical calls asked together run in order); a deny or ask
/// is never taken as the governing decision of a run that came after another PreToolUse of the same call.</para>
/// </remarks>
internal sealed class ToolCallMatcher
{
    private readonly Dictionary<(string Session, string Key), ToolCallRow> _byKey = [];
    private readonly Dictionary<(string Session, string EventId), ToolCallRow> _byPre = [];
    private readonly Dictionary<(string Session, string MatchKey), List<ToolCallRow>> _waiting = [];
    private readonly List<ToolCallRow> _rows = [];

    /// <summary>How long before a run without tool_use_id a PreToolUse may have been asked and still be taken as its own.</summary>
    public const long MaxHeuristicAgeMs = 30 * 60 * 1000;

    /// <param name="stored">The rows <see cref="Wanted"/> asked for; heuristic ones oldest first.</param>
    public ToolCallMatcher(IEnumerable<ToolCallRow> stored)
    {
        foreach (var row in stored)
        {
            Track(row);
        }
    }

    /// <summary>The causes of calls this batch found ungoverned (once per call): what the metric counts.</summary>
    public List<string> NewlyUngoverned { get; } = [];

    public IEnumerable<ToolCallRow> Dirty => _rows.Where(r => r.Dirty);

    /// <summary>What the store must load for these facts: sessions, call keys, PreToolUse event ids, match keys.</summary>
    /// <remarks>Call keys come with their session: a row is looked up by its key, not by every key of the batch's sessions.</remarks>
    public static (string[] Sessions, (string Session, string Key)[] Keys, string[] PreEvents, string[] MatchKeys) Wanted(IReadOnlyList<ToolCallFact> facts)
    {
        var sessions = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<(string, string)>();
        var pres = new HashSet<string>(StringComparer.Ordinal);
        var matchKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fact in facts)
        {
            sessions.Add(fact.SessionId);
            if (fact.Kind == ToolCallFactKind.Amended)
            {
                pres.Add(fact.EventId);
            }
            else if (fact.ToolUseId.Length > 0)
            {
                keys.Add((fact.SessionId, IdKey(fact.ToolUseId)));
            }
            else if (fact.Kind == ToolCallFactKind.Ran)
            {
                matchKeys.Add(fact.MatchKey);
            }
        }
        return ([.. sessions], [.. keys], [.. pres], [.. matchKeys]);
    }

    public void Apply(ToolCallFact fact)
    {
        switch (fact.Kind)
        {
            case ToolCallFactKind.Asked:
                Asked(fact);
                break;
            case ToolCallFactKind.Ran:
                Ran(fact);
                break;
            case ToolCallFactKind.Amended when _byPre.TryGetValue((fact.SessionId, fact.EventId), out var row):
                row.PreVerdict = fact.Verdict;
                row.PreSource = fact.Source;
                row.Dirty = true;
                if (row.RanEventId is not null)
                {
                    Classify(row);
                }
                break;
        }
    }

    private void Asked(ToolCallFact fact)
    {
        if (fact.ToolUseId.Length > 0 && _byKey.TryGetValue((fact.SessionId, IdKey(fact.ToolUseId)), out var known))
        {
            if (known.PreEventId is not null)
            {
                return;
            }
            FillPre(known, fact);
            // The call ran before its PreToolUse reached the server: whatever it was answered came too late to apply.
            known.Cause = CoverageCauses.HookTimedOut;
            known.Status = ToolCallRow.Ungoverned;
            return;
        }
        var row = new ToolCallRow
        {
            SessionId = fact.SessionId,
            CallKey = fact.ToolUseId.Length > 0 ? IdKey(fact.ToolUseId) : "pre:" + fact.EventId,
            ToolName = fact.ToolName,
            ToolUseId = fact.ToolUseId,
            MatchKey = fact.MatchKey,
            Dirty = true,
        };
        FillPre(row, fact);
        Track(row);
    }

    private void Ran(ToolCallFact fact)
    {
        ToolCallRow? row = null;
        if (fact.ToolUseId.Length > 0)
        {
            _byKey.TryGetValue((fact.SessionId, IdKey(fact.ToolUseId)), out row);
            if (row?.RanEventId is not null)
            {
                if (row.RanEventId == fact.EventId || fact.Source != ToolCallFact.PostToolUse || row.RanSource != ToolCallFact.PostToolUse)
                {
                    // Seen already (a PostToolUse and the transcript both report it).
                    return;
                }
                ReusedId(fact);
                return;
            }
        }
        else if (_waiting.TryGetValue((fact.SessionId, fact.MatchKey), out var waiting))
        {
            row = Take(waiting, fact.AtMs);
        }
        if (row is null)
        {
            row = new ToolCallRow
            {
                SessionId = fact.SessionId,
                CallKey = fact.ToolUseId.Length > 0 ? IdKey(fact.ToolUseId) : $"ran:{fact.EventId}:{fact.ToolName}",
                ToolName = fact.ToolName,
                ToolUseId = fact.ToolUseId,
                MatchKey = fact.MatchKey,
                Heuristic = fact.ToolUseId.Length == 0,
            };
            Track(row);
        }
        row.RanEventId = fact.EventId;
        row.RanSource = fact.Source;
        row.RanAtMs = fact.AtMs;
        if (fact.SubagentId.Length > 0)
        {
            row.SubagentId = fact.SubagentId;
        }
        row.Dirty = true;
        Classify(row);
    }

    /// <summary>The PreToolUse a run without tool_use_id takes (see the remarks), or null: none plausible.</summary>
    private static ToolCallRow? Take(List<ToolCallRow> waiting, long ranAtMs)
    {
        // Asked too long before: its own call never ran (declined, interrupted). It stays unmatched.
        waiting.RemoveAll(r => r.PreAtMs < ranAtMs - MaxHeuristicAgeMs);
        var at = waiting.Count > 0 && Blocks(waiting[^1].PreVerdict)
            ? waiting.Count - 1
            : waiting.FindIndex(r => !Blocks(r.PreVerdict));
        if (at < 0)
        {
            return null;
        }
        var row = waiting[at];
        waiting.RemoveAt(at);
        row.Heuristic = true;
        return row;
    }

    // Gemini and Copilot have no ask of their own in hooks: an ask blocks the call there, as a deny does.
    private static bool Blocks(string? verdict) => verdict is "deny" or "ask";

    /// <summary>A second PostToolUse under an id that already ran: another call, ungoverned whatever PreToolUse came.</summary>
    private void ReusedId(ToolCallFact fact)
    {
        var row = new ToolCallRow
        {
            SessionId = fact.SessionId,
            CallKey = $"ran:{fact.EventId}:{fact.ToolName}",
            ToolName = fact.ToolName,
            ToolUseId = fact.ToolUseId,
            MatchKey = fact.MatchKey,
            RanEventId = fact.EventId,
            RanSource = fact.Source,
            RanAtMs = fact.AtMs,
            SubagentId = fact.SubagentId,
            Status = ToolCallRow.Ungoverned,
            Cause = CoverageCauses.ReusedToolUseId,
            Dirty = true,
        };
        Track(row);
        NewlyUngoverned.Add(row.Cause);
    }

    /// <summary>A call that ran: governed when a decision it was given was applied; else why not.</summary>
    private void Classify(ToolCallRow row)
    {
        var was = row.Status;
        row.Cause = row.PreEventId is null
            ? row.SubagentId.Length > 0 ? CoverageCauses.Subagent
                : row.ToolName.StartsWith("mcp__", StringComparison.Ordinal) ? CoverageCauses.McpTool
                : CoverageCauses.NoHook
            : row.PreVerdict == "deny" || (row.Heuristic && row.PreVerdict == "ask") ? CoverageCauses.RanAlthoughDenied
            : row.PreSource == "fail_open" ? CoverageCauses.FailOpen
            // The hook could not reach its sidecar and applied its own fail mode: no policy decided the call.
            : row.PreSource == "hook" ? CoverageCauses.HookTimedOut
            : null;
        row.Status = row.Cause is null ? ToolCallRow.Governed : ToolCallRow.Ungoverned;
        if (row.Cause is not null && was != ToolCallRow.Ungoverned)
        {
            NewlyUngoverned.Add(row.Cause);
        }
    }

    private static void FillPre(ToolCallRow row, ToolCallFact fact)
    {
        row.PreEventId = fact.EventId;
        row.PreVerdict = fact.Verdict;
        row.PreSource = fact.Source;
        row.PreAtMs = fact.AtMs;
        if (fact.SubagentId.Length > 0)
        {
            row.SubagentId = fact.SubagentId;
        }
        row.Dirty = true;
    }

    private void Track(ToolCallRow row)
    {
        _rows.Add(row);
        _byKey[(row.SessionId, row.CallKey)] = row;
        if (row.PreEventId is not null)
        {
            _byPre[(row.SessionId, row.PreEventId)] = row;
            if (row.ToolUseId.Length == 0 && row.RanEventId is null)
            {
                if (!_waiting.TryGetValue((row.SessionId, row.MatchKey), out var queue))
                {
                    _waiting[(row.SessionId, row.MatchKey)] = queue = [];
                }
                queue.Add(row);
            }
        }
    }

    private static string IdKey(string toolUseId) => "id:" + toolUseId;
}
