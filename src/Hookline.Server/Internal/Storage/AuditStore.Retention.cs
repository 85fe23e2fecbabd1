namespace Hookline.Server.Internal.Storage;

internal abstract partial class AuditStore
{
    private static readonly string[] CutColumns = ["session_id", "session_seq", "hash", "cut_at_ms"];

    private string? _cutsSql;
    private string? _deletePrefixSql;
    private string? _checkpointSql;

    /// <summary>
    /// Deletes up to about <paramref name="max"/> of the oldest events stored before <paramref name="cutoffMs"/>, in one
    /// short transaction. Only a prefix of a session's chain goes, and the last deleted link becomes the session's
    /// checkpoint, from which the verifier continues, stamped <paramref name="nowMs"/>. Returns how many events were deleted (0: nothing left to cut).
    /// </summary>
    public int Prune(long cutoffMs, long nowMs, int max)
    {
        using var write = BeginWrite();
        var sessions = new List<string>();
        using (var candidates = write.Command("""
            SELECT DISTINCT session_id FROM (
                SELECT session_id FROM events WHERE stored_at_ms < @cutoff AND session_seq IS NOT NULL
                ORDER BY stored_at_ms LIMIT @max) oldest ORDER BY 1;
            """))
        {
            Add(candidates, "cutoff", cutoffMs);
            Add(candidates, "max", (long)max);
            using var reader = candidates.ExecuteReader();
            while (reader.Read())
            {
                sessions.Add(reader.GetString(0));
            }
        }
        // The same locks as a batch's: a chain is never cut while another writer extends it.
        LockSessions(write, [.. sessions]);
        var cuts = Cuts(write, cutoffMs, max, sessions, nowMs);
        _deletePrefixSql ??= $"""
            DELETE FROM events {JoinRows("USING", CutColumns)}
            WHERE events.session_id = {Row("session_id")} AND events.session_seq <= {Row("session_seq")}
            RETURNING {CountedEvent.Columns()};
            """;
        // What the deleted events counted leaves the rollups in this transaction too.
        var removed = new List<CountedEvent>();
        using (var delete = write.Command(_deletePrefixSql))
        {
            if (cuts.Count > 0)
            {
                removed.AddRange(ReturningCounted(delete, CutColumns, cuts));
            }
        }
        _checkpointSql ??= $"""
            INSERT INTO chain_checkpoints ({string.Join(", ", CutColumns)})
            {Values(CutColumns)}
            ON CONFLICT (session_id) DO UPDATE SET session_seq = excluded.session_seq, hash = excluded.hash, cut_at_ms = excluded.cut_at_ms;
            """;
        using (var checkpoint = write.Command(_checkpointSql))
        {
            if (cuts.Count > 0)
            {
                ExecuteRows(checkpoint, CutColumns, cuts);
            }
        }
        using (var legacy = write.Command($"""
            DELETE FROM events WHERE event_id IN (
                SELECT event_id FROM events WHERE session_seq IS NULL AND stored_at_ms < @cutoff LIMIT @max)
            RETURNING {CountedEvent.Columns()};
            """))
        {
            // Events from before chains existed have no link to keep.
            Add(legacy, "cutoff", cutoffMs);
            Add(legacy, "max", (long)max);
            using var reader = legacy.ExecuteReader();
            while (reader.Read())
            {
                removed.Add(CountedEvent.Read(reader, 0));
            }
        }
        var rollups = new RollupChanges();
        removed.ForEach(rollups.Remove);
        WriteRollups(write, rollups);
        using (var states = write.Command("""
            DELETE FROM session_states WHERE session_id IN (
                SELECT session_id FROM session_states WHERE updated_at_ms < @cutoff LIMIT @max);
            """))
        {
            // A session silent for longer than the retention forgets what its rules remembered.
            Add(states, "cutoff", cutoffMs);
            Add(states, "max", (long)max);
            states.ExecuteNonQuery();
        }
        using (var calls = write.Command("""
            DELETE FROM tool_calls WHERE (session_id, call_key) IN (
                SELECT session_id, call_key FROM tool_calls WHERE COALESCE(ran_at_ms, pre_at_ms) < @cutoff LIMIT @max);
            """))
        {
            // Coverage rows go with the events they were matched from.
            Add(calls, "cutoff", cutoffMs);
            Add(calls, "max", (long)max);
            calls.ExecuteNonQuery();
        }
        using (var approvals = write.Command("""
            DELETE FROM approvals WHERE id IN (
                SELECT id FROM approvals WHERE created_at_ms < @cutoff AND status <> 'pending' LIMIT @max);
            """))
        {
            // Answered approvals go with the events that asked; their answers are audit rows of their own.
            Add(approvals, "cutoff", cutoffMs);
            Add(approvals, "max", (long)max);
            approvals.ExecuteNonQuery();
        }
        write.Commit();
        return removed.Count;
    }

    /// <summary>Per held session, the newest chained event among the oldest <paramref name="max"/>: everything up to it goes.</summary>
    private List<object?[]> Cuts(StoreWrite write, long cutoffMs, int max, List<string> sessions, long nowMs)
    {
        _cutsSql ??= $"""
            SELECT e.session_id, e.session_seq, e.hash FROM events e JOIN (
                SELECT session_id, MAX(session_seq) AS last FROM (
                    SELECT session_id, session_seq FROM events
                    WHERE stored_at_ms < @cutoff AND session_seq IS NOT NULL AND {InList("session_id", "sessions")}
                    ORDER BY stored_at_ms LIMIT @max) oldest
                GROUP BY session_id) c ON e.session_id = c.session_id AND e.session_seq = c.last;
            """;
        using var select = write.Command(_cutsSql);
        Add(select, "cutoff", cutoffMs);
        Add(select, "max", (long)max);
        Add(select, "sessions", ListValue(sessions));
        using var reader = select.ExecuteReader();
        var cuts = new List<object?[]>();
        while (reader.Read())
        {
            cuts.Add([reader.GetString(0), reader.GetInt64(1), reader.GetString(2), nowMs]);
        }
        return cuts;
    }
}
