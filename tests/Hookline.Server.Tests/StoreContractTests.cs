using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage.Postgres;
using Hookline.Server.Internal.Storage.Sqlite;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal;

namespace Hookline.Server.Tests;

/// <summary>The storage contract every backend keeps, checked on the store itself: the same tests on SQLite and PostgreSQL.</summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    private static readonly SessionIdentity Anonymous = new("alice", "", false, null);

    private readonly List<IAuditStore> _stores = [];
    private TempDir? _dir;
    private TestDatabase? _database;

    /// <summary>Null: SQLite. Otherwise a fresh PostgreSQL database (or a skip when none is configured).</summary>
    internal abstract Task<TestDatabase?> CreateDatabaseAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Opens a store on this test's database; a second call opens another store on the same data (a restart, or a replica).</summary>
    /// <param name="rollupShard">The shard the store counts its rollups in; a random one when null, as a server's.</param>
    private async Task<IAuditStore> OpenAsync(long? rollupShard = null)
    {
        if (_dir is null && _database is null)
        {
            _database = await CreateDatabaseAsync();
            _dir = _database is null ? new TempDir() : null;
        }
        AuditStore opened = _database is null ? new SqliteStore(_dir!.File("data")) : new PostgresStore(_database.ConnectionString);
        opened.RollupShard = rollupShard ?? opened.RollupShard;
        var store = (IAuditStore)opened;
        _stores.Add(store);
        return store;
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
        _dir?.Dispose();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>Runs SQL on the database behind the store, as someone with file or database access would.</summary>
    private async Task<int> TamperAsync(string sql)
    {
        if (_database is not null)
        {
            await using var pg = new Npgsql.NpgsqlConnection(_database.ConnectionString);
            await pg.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(sql, pg);
            return await command.ExecuteNonQueryAsync();
        }
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir!.File("data/hookline.db")};Pooling=False");
        await connection.OpenAsync();
        await using var sqlite = connection.CreateCommand();
        sqlite.CommandText = sql;
        return await sqlite.ExecuteNonQueryAsync();
    }

    private static Task<ChainReport> VerifyAsync(IAuditStore store) => store.Reader.VerifyAsync();

    private static List<AuditRecord> Burst(string session, int count, int from = 0) =>
        Enumerable.Range(from, count).Select(i => Record(Events.Bash($"echo {i}", session))).ToList();

    [SkippableFact]
    public async Task Every_session_is_one_intact_chain_across_batches_stores_duplicates_and_applied_replays()
    {
        var store = await OpenAsync();
        var replica = await OpenAsync();
        var a = Guid.NewGuid().ToString();
        var b = Guid.NewGuid().ToString();
        var first = Burst(a, 5).Concat(Burst(b, 3)).ToList();
        store.WriteBatch(first);
        replica.WriteBatch(Burst(a, 4, from: 5));
        var replay = first[0].Event.Clone();
        replay.DecisionWanted = false;
        replay.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.Local };
        replica.WriteBatch([Record(replay), first[1]]);
        store.WriteBatch(Burst(b, 2, from: 3));

        var report = await VerifyAsync(store);

        Assert.True(report.Intact, string.Join("; ", report.Broken));
        Assert.Equal((2L, 14L), (report.Sessions, report.Events));
    }

    [SkippableFact]
    public async Task A_row_changed_behind_the_servers_back_is_named_as_the_first_broken_link_of_its_session()
    {
        var store = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        var batch = Burst(session, 6);
        store.WriteBatch(batch);
        var victim = batch[3].Event.EventId;

        Assert.Equal(1, await TamperAsync($"UPDATE events SET rule_ids = 'nothing-to-see' WHERE event_id = '{victim}'"));
        var report = await VerifyAsync(store);

        var broken = Assert.Single(report.Broken);
        Assert.Equal((session, 4L, victim), (broken.SessionId, broken.SessionSeq, broken.EventId));
        Assert.Contains("content", broken.Problem);
    }

    [SkippableFact]
    public async Task A_deleted_row_and_a_rewritten_applied_decision_are_both_found()
    {
        var store = await OpenAsync();
        var deletedFrom = Guid.NewGuid().ToString();
        var rewritten = Guid.NewGuid().ToString();
        var one = Burst(deletedFrom, 4);
        var two = Burst(rewritten, 2);
        store.WriteBatch([.. one, .. two]);

        await TamperAsync($"DELETE FROM events WHERE event_id = '{one[1].Event.EventId}'");
        await TamperAsync($"UPDATE events SET applied_verdict = 'deny' WHERE event_id = '{two[1].Event.EventId}'");
        var broken = (await VerifyAsync(store)).Broken.ToDictionary(b => b.SessionId);

        Assert.Equal(3L, broken[deletedFrom].SessionSeq);
        Assert.Contains("missing", broken[deletedFrom].Problem);
        Assert.Equal(two[1].Event.EventId, broken[rewritten].EventId);
        Assert.Contains("applied", broken[rewritten].Problem);
    }

    [SkippableFact]
    public async Task Retention_cuts_old_events_in_small_batches_and_the_chain_continues_from_the_checkpoint()
    {
        var store = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        var other = Guid.NewGuid().ToString();
        var batch = Burst(session, 10);
        store.WriteBatch([.. batch, .. Burst(other, 2)]);
        // stored_at_ms is outside the hash: ageing rows by hand leaves the chain intact.
        await TamperAsync($"UPDATE events SET stored_at_ms = 1000 WHERE session_id = '{session}' AND session_seq <= 6");
        await TamperAsync($"UPDATE events SET stored_at_ms = 1000 WHERE session_id = '{other}'");

        var cuts = new List<int>();
        for (var deleted = store.Prune(2000, 4242, 3); deleted > 0; deleted = store.Prune(2000, 4242, 3))
        {
            cuts.Add(deleted);
        }

        Assert.Equal(8, cuts.Sum());
        Assert.All(cuts, c => Assert.InRange(c, 1, 3));
        // Each session's checkpoint carries the sweep's own clock (a no-op update counts the rows that match it).
        Assert.Equal(2, await TamperAsync("UPDATE chain_checkpoints SET hash = hash WHERE cut_at_ms = 4242"));
        Assert.Equal(batch.Skip(6).Select(r => r.Event.EventId).Order(),
            (await store.Reader.ReadEventsAsync(session, 100)).Select(e => e.EventId).Order());
        store.WriteBatch(Burst(session, 2, from: 10));
        store.WriteBatch(Burst(other, 1, from: 2));
        var report = await VerifyAsync(store);
        Assert.True(report.Intact, string.Join("; ", report.Broken));
        Assert.Equal((2L, 7L, 2L), (report.Sessions, report.Events, report.Checkpoints));
    }

    [SkippableFact]
    public async Task Export_hands_over_every_event_since_a_time_oldest_first()
    {
        var store = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        var batch = Burst(session, 5);
        store.WriteBatch(batch);
        await TamperAsync($"UPDATE events SET event_time_ms = 1000 WHERE event_id = '{batch[0].Event.EventId}'");

        var exported = new List<AuditEvent>();
        var count = await store.Reader.ExportAsync(DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), exported.Add);

        Assert.Equal(4, count);
        Assert.Equal(batch.Skip(1).Select(r => r.Event.EventId), exported.Select(e => e.EventId));
    }

    private static AuditRecord Record(HookEvent hookEvent, Verdict verdict = Verdict.Allow) => new(hookEvent,
        hookEvent.DecisionWanted ? new Decision { Verdict = verdict, Evaluated = verdict, PolicyEpoch = 1, RuleIds = { "r1" } } : null,
        DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Ack: null);

    [SkippableFact]
    public async Task A_batch_is_stored_once_per_event_id_even_with_copies_inside_the_batch_or_across_stores()
    {
        var store = await OpenAsync();
        var replica = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        var events = Enumerable.Range(0, 50).Select(i => Events.Bash($"echo {i}", session)).ToList();

        Assert.Equal(0, store.WriteBatch(events.Select(e => Record(e)).ToList()));
        var copies = events.Take(10).Select(e => Record(e)).ToList();
        Assert.Equal(10, replica.WriteBatch(copies));
        var fresh = Events.Bash("echo fresh", session);
        Assert.Equal(1, store.WriteBatch([Record(fresh), Record(fresh.Clone())]));

        Assert.Equal(51, (await store.Reader.ReadEventsAsync(session, 1000)).Count);
    }

    [SkippableFact]
    public async Task A_replay_with_the_applied_decision_fills_it_in_and_counts_as_a_change()
    {
        var store = await OpenAsync();
        var hookEvent = Events.Bash("rm -rf /tmp/x");
        store.WriteBatch([Record(hookEvent, Verdict.Deny)]);

        var replay = hookEvent.Clone();
        replay.DecisionWanted = false;
        replay.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.Local, PolicyEpoch = 1, LatencyUs = 9000 };
        var replica = await OpenAsync();

        Assert.Equal(0, replica.WriteBatch([Record(replay)]));
        var stored = (await store.Reader.ReadEventsAsync(hookEvent.SessionId, 1000)).Single();
        Assert.Equal(("deny", "local"), (stored.Applied, stored.Source));
    }

    [SkippableFact]
    public async Task An_event_and_its_applied_replay_in_one_batch_store_one_row_with_the_applied_decision()
    {
        var store = await OpenAsync();
        var hookEvent = Events.Bash("git push");
        var replay = hookEvent.Clone();
        replay.DecisionWanted = false;
        replay.Applied = new AppliedDecision { Verdict = Verdict.Ask, Source = DecisionSource.FailClosed };

        store.WriteBatch([Record(hookEvent, Verdict.Ask), Record(replay)]);

        var stored = Assert.Single((await store.Reader.ReadEventsAsync(hookEvent.SessionId, 1000)));
        Assert.Equal("fail_closed", stored.Source);
    }

    [SkippableFact]
    public async Task Sessions_are_created_once_resumed_touched_ended_and_swept()
    {
        var store = await OpenAsync();
        var id = Guid.NewGuid().ToString();
        var request = new CreateSessionRequest { Agent = "claude", Cwd = "/w", User = "ana" };

        var (created, resumed) = await store.CreateOrResumeSessionAsync(request, id, 1000, Anonymous);
        Assert.False(resumed);
        Assert.Equal((SessionStatus.Active, 1000L), (created.Status, created.CreatedAtMs));
        var replica = await OpenAsync();
        Assert.True((await replica.CreateOrResumeSessionAsync(request, id, 2000, Anonymous)).Resumed);
        Assert.Equal(1000L, (await replica.FindSessionAsync(id))!.CreatedAtMs);

        var other = Guid.NewGuid().ToString();
        await store.CreateOrResumeSessionAsync(request, other, 1000, Anonymous);
        Assert.Equal(1, store.MarkSilentSessionsDisconnected(1500, new HashSet<string> { other }));
        Assert.Equal(SessionStatus.Disconnected, (await store.FindSessionAsync(id))!.Status);
        Assert.Equal(SessionStatus.Active, (await store.TouchAsync(id, 3000))!.Status);
        Assert.Equal(SessionStatus.Ended, (await store.EndSessionAsync(id, 4000))!.Status);
        Assert.Equal(SessionStatus.Ended, (await store.TouchAsync(id, 5000))!.Status);
        Assert.Equal(4000L, (await store.FindSessionAsync(id))!.EndedAtMs);
        Assert.Null(await store.TouchAsync(Guid.NewGuid().ToString(), 1));
    }

    [SkippableFact]
    public async Task A_policy_keeps_its_epoch_until_the_document_changes_and_a_revert_is_a_new_epoch()
    {
        var store = await OpenAsync();
        var first = store.AcceptPolicy("h1", "doc1", "test", 1);
        Assert.Equal(first, store.AcceptPolicy("h1", "doc1", "test", 2));
        var second = store.AcceptPolicy("h2", "doc2", "test", 3);
        Assert.True(second > first);
        var reopened = await OpenAsync();
        Assert.True(reopened.AcceptPolicy("h1", "doc1", "test", 4) > second);
    }

    [SkippableFact]
    public async Task Reopening_migrates_nothing_twice_and_keeps_the_data()
    {
        var store = await OpenAsync();
        var hookEvent = Events.Bash("ls");
        store.WriteBatch([Record(hookEvent)]);
        store.Dispose();

        var reopened = await OpenAsync();
        Assert.Single((await reopened.Reader.ReadEventsAsync(hookEvent.SessionId, 1000)));
    }

    private static PolicySessionMemory Memory(string[] taints, int denials = 0, string rule = "rate", params int[] hitSeconds) =>
        PolicySessionMemory.Create(taints, denials,
            Enumerable.Range(0, denials).Select(i => DateTimeOffset.UnixEpoch.AddTicks(i * 10_000_001L)),
            hitSeconds.Length == 0 ? [] : [new PolicyRateHits(rule, [.. hitSeconds.Select(s => DateTimeOffset.UnixEpoch.AddSeconds(s).AddTicks(7))])],
            ["toolu_a", "toolu_b"]);

    private static void AssertSame(PolicySessionMemory expected, PolicySessionMemory? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Taints.ToArray(), actual.Taints.ToArray());
        Assert.Equal(expected.DenialCount, actual.DenialCount);
        Assert.Equal(expected.Denials.ToArray(), actual.Denials.ToArray());
        Assert.Equal(expected.RateHits.Select(r => r.RuleId), actual.RateHits.Select(r => r.RuleId));
        Assert.Equal(expected.RateHits.SelectMany(r => r.Hits), actual.RateHits.SelectMany(r => r.Hits));
        Assert.Equal(expected.ToolUseIds.ToArray(), actual.ToolUseIds.ToArray());
    }

    [SkippableFact]
    public async Task A_sessions_policy_state_is_stored_with_its_batch_and_read_back_exactly_by_another_store()
    {
        var store = await OpenAsync();
        var replica = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        var memory = Memory(["secrets", "prod"], denials: 3, "fetch-rate", 1, 2, 2);

        Assert.Null(await store.LoadSessionStateAsync(session));
        store.WriteBatch(Burst(session, 2), [new SessionStateWrite(session, memory)]);

        AssertSame(memory, await replica.LoadSessionStateAsync(session));
        Assert.Null(await replica.LoadSessionStateAsync(Guid.NewGuid().ToString()));
        // An event-less batch may still carry a state (a unary decision, say); the store keeps the events it had.
        store.WriteBatch([], [new SessionStateWrite(session, memory)]);
        Assert.Equal(2, (await store.Reader.ReadEventsAsync(session, 1000)).Count);
    }

    [SkippableFact]
    public async Task Two_stores_writing_one_session_keep_both_their_changes_and_rewriting_the_same_state_counts_nothing_twice()
    {
        var store = await OpenAsync();
        var replica = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        var common = Memory(["secrets"], denials: 2, "r", 10, 20);
        store.WriteBatch([], [new SessionStateWrite(session, common)]);

        // Each replica went on from the common state on its own (a failover while the first was still writing).
        var onStore = common.Merge(Memory(["prod"], denials: 0, "r", 30));
        var onReplica = common.Merge(Memory([], denials: 0, "r", 40));
        store.WriteBatch([], [new SessionStateWrite(session, onStore)]);
        replica.WriteBatch([], [new SessionStateWrite(session, onReplica)]);
        replica.WriteBatch([], [new SessionStateWrite(session, onReplica)]);

        var stored = (await store.LoadSessionStateAsync(session))!;
        Assert.Equal(["prod", "secrets"], stored.Taints.ToArray());
        Assert.Equal(2, stored.DenialCount);
        Assert.Equal(new[] { 10, 20, 30, 40 }, Assert.Single(stored.RateHits).Hits.Select(h => (int)(h - DateTimeOffset.UnixEpoch).TotalSeconds));
    }

    [SkippableFact]
    public async Task Stored_state_stays_within_its_bounds_and_unreadable_bytes_are_reported_not_guessed()
    {
        var store = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        var huge = PolicySessionMemory.Create(
            Enumerable.Range(0, 5000).Select(i => "label" + i), 50_000,
            Enumerable.Range(0, 50_000).Select(i => DateTimeOffset.UnixEpoch.AddSeconds(i)),
            Enumerable.Range(0, 1000).Select(r => new PolicyRateHits("rule" + r, [.. Enumerable.Range(0, 2000).Select(i => DateTimeOffset.UnixEpoch.AddSeconds(i))])),
            Enumerable.Range(0, 5000).Select(i => "toolu_" + i));
        store.WriteBatch([], [new SessionStateWrite(session, huge)]);

        var stored = (await store.LoadSessionStateAsync(session))!;
        Assert.Equal(PolicySessionMemory.MaxTaints, stored.Taints.Length);
        Assert.Equal(50_000, stored.DenialCount);
        Assert.Equal(PolicySessionMemory.MaxDenialTimes, stored.Denials.Length);
        Assert.Equal(PolicySessionMemory.MaxRateRules, stored.RateHits.Length);
        Assert.Equal(PolicySessionMemory.MaxToolUseIds, stored.ToolUseIds.Length);
        // The largest state a session can have stays about half a megabyte; a typical one is a few hundred bytes.
        Assert.InRange(SessionStateCodec.Encode(stored).Length, 500_000, 600_000);
        Assert.InRange(SessionStateCodec.Encode(Memory(["secrets"], denials: 3, "r", 1, 2)).Length, 1, 200);

        await TamperAsync($"UPDATE session_states SET state = {(_database is null ? "X'0102'" : "'\\x0102'::bytea")}");
        await Assert.ThrowsAsync<FormatException>(async () => await store.LoadSessionStateAsync(session));
        // A write over unreadable bytes replaces them with the live state.
        var small = Memory(["secrets"]);
        store.WriteBatch([], [new SessionStateWrite(session, small)]);
        AssertSame(small, await store.LoadSessionStateAsync(session));
    }

    [SkippableFact]
    public async Task Ending_a_session_forgets_its_state_and_retention_forgets_states_not_written_since_the_cutoff()
    {
        var store = await OpenAsync();
        var request = new CreateSessionRequest { Agent = "claude" };
        var ended = Guid.NewGuid().ToString();
        var silent = Guid.NewGuid().ToString();
        await store.CreateOrResumeSessionAsync(request, ended, 1000, Anonymous);
        store.WriteBatch([], [new SessionStateWrite(ended, Memory(["a"])), new SessionStateWrite(silent, Memory(["b"]))]);

        await store.EndSessionAsync(ended, 2000);
        Assert.Null(await store.LoadSessionStateAsync(ended));
        Assert.NotNull(await store.LoadSessionStateAsync(silent));

        store.Prune(DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 100);
        Assert.Null(await store.LoadSessionStateAsync(silent));
    }
}

public sealed class SqliteStoreContractTests : StoreContractTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresStoreContractTests : StoreContractTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}

internal static class StoreWrites
{
    /// <summary>Stores a batch as the audit writer does, stamped with the time now.</summary>
    public static int WriteBatch(this IAuditStore store, IReadOnlyList<AuditRecord> batch)
        => store.WriteBatch(batch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Duplicates;

    /// <summary>Stores a batch with the session states it changed, stamped with the time now.</summary>
    public static int WriteBatch(this IAuditStore store, IReadOnlyList<AuditRecord> batch, IReadOnlyList<SessionStateWrite> states)
        => store.WriteBatch(batch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), states).Duplicates;
}
