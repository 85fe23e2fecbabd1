using Hookline.Server.Internal.Coverage;

namespace Hookline.Server.Internal.Storage;

internal abstract partial class AuditStore
{
    // Oldest first, at most this many of a session's heuristic candidates per batch: a session flooded with identical
    // PreToolUse calls that never ran cannot make a batch load all of them.
    private const int MaxWaitingLoaded = 4096;

    private static readonly int ToolInputIndex = Array.IndexOf(EventColumns.Names, "tool_input");
    private static readonly int AppliedVerdictIndex = Array.IndexOf(EventColumns.Names, "applied_verdict");
    private static readonly int AppliedSourceIndex = Array.IndexOf(EventColumns.Names, "applied_source");
    private static readonly int EventTimeIndex = Array.IndexOf(EventColumns.Names, "event_time_ms");

    private static readonly string[] CallKeyColumns = ["session_id", "call_key"];

    private string? _upsertToolCallsSql;
    private string? _selectToolCallsSql;

    /// <summary>The <c>events</c> column that orders rows as they were stored.</summary>
    protected abstract string EventOrder { get; }

    /// <summary>
    /// Coverage: what the batch's new events (and applied decisions filled in) tell about tool calls, matched against
    /// the rows stored for them, in the batch's transaction. Replays that changed nothing tell nothing.
    /// </summary>
    /// <returns>The causes of the calls this batch found ungoverned.</returns>
    private List<string> RecordCoverage(StoreWrite write, IReadOnlyList<AuditRecord> batch, BatchPlan plan)
    {
        var facts = CoverageFacts(batch, plan);
        if (facts.Count == 0)
        {
            return [];
        }
        var (sessions, keys, pres, matchKeys) = ToolCallMatcher.Wanted(facts);
        var stored = new List<ToolCallRow>();
        var columns = string.Join(", ", ToolCallRow.Columns);
        if (keys.Length > 0)
        {
            // One lookup per (session, key) of the primary key: matching the batch's keys against every row of its
            // sessions read each session's whole history of calls.
            _selectToolCallsSql ??= $"""
                SELECT {string.Join(", ", ToolCallRow.Columns.Select(c => "t." + c))} FROM tool_calls t {JoinRows("CROSS JOIN", CallKeyColumns)}
                WHERE t.session_id = {Row("session_id")} AND t.call_key = {Row("call_key")};
                """;
            using var select = write.Command(_selectToolCallsSql);
            ReadRows(select, CallKeyColumns, Array.ConvertAll(keys, k => new object?[] { k.Session, k.Key }), reader => stored.Add(ToolCallRow.Read(reader)));
        }
        if (pres.Length > 0)
        {
            using var select = write.Command($"""
                SELECT {columns} FROM tool_calls
                WHERE {InList("session_id", "sessions")} AND {InList("pre_event_id", "pres")};
                """);
            Add(select, "sessions", ListValue(sessions));
            Add(select, "pres", ListValue(pres));
            ReadRows(select, stored);
        }
        if (matchKeys.Length > 0)
        {
            // Only candidates a run of this batch may take (ToolCallMatcher.MaxHeuristicAgeMs); equal times in the order
            // the PreToolUse were stored, which is the order they came in (an event id would order them at random).
            // Per session, each with its own bound: one limit over the batch let another session's flood of older
            // waiting calls push a session's own candidates out, and its governed run counted as ungoverned.
            foreach (var runs in facts.Where(f => f.Kind == ToolCallFactKind.Ran && f.ToolUseId.Length == 0).GroupBy(f => f.SessionId, StringComparer.Ordinal))
            {
                using var select = write.Command($"""
                    SELECT {string.Join(", ", ToolCallRow.Columns.Select(c => "t." + c))} FROM tool_calls t
                    JOIN events e ON e.event_id = t.pre_event_id
                    WHERE t.session_id = @session AND {InList("t.match_key", "matches")}
                        AND t.ran_event_id IS NULL AND t.pre_at_ms >= @since
                    ORDER BY t.pre_at_ms, e.{EventOrder} LIMIT {MaxWaitingLoaded};
                    """);
                Add(select, "session", runs.Key);
                Add(select, "matches", ListValue(matchKeys));
                Add(select, "since", runs.Min(f => f.AtMs) - ToolCallMatcher.MaxHeuristicAgeMs);
                ReadRows(select, stored);
            }
        }
        var matcher = new ToolCallMatcher(stored.DistinctBy(r => (r.SessionId, r.CallKey)));
        foreach (var fact in facts)
        {
            matcher.Apply(fact);
        }
        var dirty = matcher.Dirty.ToList();
        if (dirty.Count > 0)
        {
            _upsertToolCallsSql ??= $"""
                INSERT INTO tool_calls ({columns})
                {Values(ToolCallRow.Columns)}
                ON CONFLICT (session_id, call_key) DO UPDATE SET
                {string.Join(", ", ToolCallRow.Columns.Skip(2).Select(c => $"{c} = excluded.{c}"))};
                """;
            using var upsert = write.Command(_upsertToolCallsSql);
            ExecuteRows(upsert, ToolCallRow.Columns, dirty.ConvertAll(r => r.Values()));
        }
        return matcher.NewlyUngoverned;
    }

    private static void ReadRows(System.Data.Common.DbCommand select, List<ToolCallRow> into)
    {
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            into.Add(ToolCallRow.Read(reader));
        }
    }

    /// <summary>The facts of the rows this batch inserts (as stored: after capture) and of the applied decisions it fills in.</summary>
    private static List<ToolCallFact> CoverageFacts(IReadOnlyList<AuditRecord> batch, BatchPlan plan)
    {
        var facts = new List<ToolCallFact>();
        if (plan.Inserts.Count == 0 && plan.Updates.Count == 0)
        {
            return facts;
        }
        var events = new Dictionary<string, AuditRecord>(StringComparer.Ordinal);
        foreach (var record in batch)
        {
            // A marked stand-in is not the event the agent sent: it tells nothing about its calls.
            if (!record.Marked)
            {
                events.TryAdd(record.Event.EventId, record);
            }
        }
        foreach (var insert in plan.Inserts)
        {
            if (events.TryGetValue(insert.EventId, out var record))
            {
                var v = insert.Values;
                // A rewritten call runs with the rewrite (captured as the event's input is; see ToolCallFact.WithCapturedRewrite).
                var input = record.Decision is { UpdatedInput.IsEmpty: false } rewrite ? rewrite.UpdatedInput.ToByteArray() : v[ToolInputIndex] as byte[];
                ToolCallFact.Of(record.Event, input, (string?)v[AppliedVerdictIndex], (string?)v[AppliedSourceIndex],
                    (long)v[EventTimeIndex]!, facts);
            }
        }
        foreach (var update in plan.Updates)
        {
            if (events.TryGetValue(update.EventId, out var record) && record.Event.HookEventName == "PreToolUse")
            {
                facts.Add(new ToolCallFact(ToolCallFactKind.Amended, record.Event.SessionId, update.EventId, record.Event.ToolName,
                    record.Event.ToolUseId, "", (string?)update.Values[AppliedVerdictIndex], (string?)update.Values[AppliedSourceIndex], "", 0));
            }
        }
        return facts;
    }
}
