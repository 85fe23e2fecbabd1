namespace Hookline.Server.Internal.Storage;

internal abstract partial class AuditStore
{
    private static readonly string[] InsertColumns = [.. EventColumns.Names, .. AuditChain.Columns];
    private static readonly string[] UpdateColumns = ["event_id", "applied_hash", .. EventColumns.Applied];
    private static readonly string[] StateColumns = ["session_id", "state", "updated_at_ms"];
    private static readonly string[] LatencyColumns = ["event_id", "session_id", "reported_latency_us"];

    private string? _insertSql;
    private string? _updateAppliedSql;
    private string? _saveStatesSql;
    private string? _reportLatenciesSql;

    /// <summary>
    /// Stores a batch in one transaction. A replayed event id is stored once; a later message for the same id may
    /// only fill in the decision the sidecar applied (for example after a budget miss).
    /// </summary>
    /// <returns>How many of the records were already stored (replays that changed nothing), and which were refused.</returns>
    public BatchOutcome WriteBatch(IReadOnlyList<AuditRecord> batch, long storedAtMs, IReadOnlyList<SessionStateWrite>? states = null,
        IReadOnlyList<ReportedLatency>? latencies = null)
    {
        var sessions = batch.Select(r => r.Event.SessionId).Concat(states?.Select(s => s.SessionId) ?? [])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        using var write = BeginWrite();
        // Sorted, so two writers holding sessions never wait on each other in a cycle. The latencies' sessions too:
        // their rollup moves read the stored row, which another replica's applied update would move at the same time.
        LockSessions(write, [.. sessions.Concat(latencies?.Select(l => l.SessionId) ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
        var stored = StoredHashes(write, batch);
        var plan = BatchPlan.Create(batch, storedAtMs, stored, LastLinks(write, sessions));
        var rollups = new RollupChanges();
        BeforeInsert?.Invoke(write.Command);
        Insert(write, plan.Inserts, rollups);
        UpdateApplied(write, plan.Updates, stored, rollups);
        SaveStates(write, states);
        ReportLatencies(write, latencies, rollups);
        WriteRollups(write, rollups);
        var ungoverned = RecordCoverage(write, batch, plan);
        BeforeCommit?.Invoke();
        write.Commit();
        return plan.Outcome with { Ungoverned = ungoverned };
    }

    private Dictionary<string, StoredEvent> StoredHashes(StoreWrite write, IReadOnlyList<AuditRecord> batch)
    {
        using var select = write.Command($"SELECT {StoredEvents.Columns} FROM events WHERE {InList("event_id", "ids")};");
        Add(select, "ids", ListValue(batch.Select(r => r.Event.EventId).ToArray()));
        using var reader = select.ExecuteReader();
        return StoredEvents.Read(reader);
    }

    private void Insert(StoreWrite write, List<PlannedInsert> inserts, RollupChanges rollups)
    {
        if (inserts.Count == 0)
        {
            return;
        }
        _insertSql ??= AnnounceInserted($"""
            INSERT INTO events ({string.Join(", ", InsertColumns)})
            {Values(InsertColumns)}
            ON CONFLICT (event_id) DO NOTHING
            """);
        using var insert = write.Command(_insertSql);
        // Counted only where inserted: another replica may have stored an id since the batch's select (DO NOTHING).
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        ReadRows(insert, InsertColumns, inserts.ConvertAll(i => i.Values), reader => inserted.Add(reader.GetString(0)));
        foreach (var planned in inserts)
        {
            var counted = CountedEvent.Of(planned.Values);
            if (inserted.Remove(counted.EventId))
            {
                rollups.Add(counted);
            }
        }
    }

    /// <summary>
    /// Fills in the applied decision of stored rows, with its seal; <see cref="BatchPlan"/> allows it once. The rollups
    /// move from what the row counted before (read with the batch's stored hashes) to what the update returns.
    /// </summary>
    private void UpdateApplied(StoreWrite write, List<PlannedUpdate> updates, Dictionary<string, StoredEvent> stored, RollupChanges rollups)
    {
        if (updates.Count == 0)
        {
            return;
        }
        _updateAppliedSql ??= $"""
            UPDATE events SET {string.Join(", ", UpdateColumns.Skip(1).Select(n => $"{n} = {Row(n)}"))}
            {JoinRows("FROM", UpdateColumns)}
            WHERE events.event_id = {Row("event_id")}
            RETURNING {CountedEvent.Columns()};
            """;
        using var update = write.Command(_updateAppliedSql);
        var updated = ReturningCounted(update, UpdateColumns, updates.ConvertAll(u =>
        {
            var row = new object?[UpdateColumns.Length];
            row[0] = u.EventId;
            row[1] = u.AppliedHash;
            for (var i = 0; i < AuditChain.AppliedIndexes.Length; i++)
            {
                row[2 + i] = u.Values[AuditChain.AppliedIndexes[i]];
            }
            return row;
        }));
        // Two replays of one event in a batch may both update it: each moves from what the row held just before.
        var current = new Dictionary<string, CountedEvent>(StringComparer.Ordinal);
        foreach (var after in updated)
        {
            rollups.Move(current.GetValueOrDefault(after.EventId) ?? stored[after.EventId].Counted!, after);
            current[after.EventId] = after;
        }
    }

    /// <summary>
    /// Fills in the latency a sidecar reported for a remote decision: once, only for an event of the session that
    /// reported it, and only where no latency is stored (a sidecar-applied decision carries its own, sealed).
    /// </summary>
    private void ReportLatencies(StoreWrite write, IReadOnlyList<ReportedLatency>? latencies, RollupChanges rollups)
    {
        if (latencies is not { Count: > 0 })
        {
            return;
        }
        _reportLatenciesSql ??= $"""
            UPDATE events SET reported_latency_us = {Row("reported_latency_us")}
            {JoinRows("FROM", LatencyColumns)}
            WHERE events.event_id = {Row("event_id")} AND events.session_id = {Row("session_id")}
              AND events.applied_source = 'remote' AND events.applied_latency_us IS NULL AND events.reported_latency_us IS NULL
            RETURNING {CountedEvent.Columns()};
            """;
        using var update = write.Command(_reportLatenciesSql);
        var rows = latencies.DistinctBy(l => l.EventId, StringComparer.Ordinal)
            .Select(l => new object?[] { l.EventId, l.SessionId, l.LatencyUs }).ToList();
        // Only the rows it changed: each moves from unmeasured to its latency's bucket.
        foreach (var measured in ReturningCounted(update, LatencyColumns, rows))
        {
            rollups.Move(measured with { LatencyUs = null }, measured);
        }
    }

    /// <summary>
    /// Stores the sessions' memories, each merged with what is stored already (another replica's, or an earlier
    /// server's); the sessions are held (<see cref="LockSessions"/>), so no writer stores them in between.
    /// </summary>
    private void SaveStates(StoreWrite write, IReadOnlyList<SessionStateWrite>? states)
    {
        if (states is not { Count: > 0 })
        {
            return;
        }
        var stored = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var select = write.Command($"SELECT session_id, state FROM session_states WHERE {InList("session_id", "ids")};"))
        {
            Add(select, "ids", ListValue(states.Select(s => s.SessionId).ToArray()));
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                stored[reader.GetString(0)] = (byte[])reader.GetValue(1);
            }
        }
        _saveStatesSql ??= $"""
            INSERT INTO session_states ({string.Join(", ", StateColumns)})
            {Values(StateColumns)}
            ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms;
            """;
        using var upsert = write.Command(_saveStatesSql);
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        // Folded per session in order: two writes of one session in one batch keep both changes, and each row is
        // written once (PostgreSQL refuses an upsert that touches a row twice).
        var merged = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var state in states)
        {
            var before = merged.TryGetValue(state.SessionId, out var earlier) ? earlier : stored.GetValueOrDefault(state.SessionId);
            merged[state.SessionId] = SessionStateCodec.MergeWithStored(state.Memory, before);
        }
        ExecuteRows(upsert, StateColumns, [.. merged.Select(m => new object?[] { m.Key, m.Value, now })]);
    }
}
