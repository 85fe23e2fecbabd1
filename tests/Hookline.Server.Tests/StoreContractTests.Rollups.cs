using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Tests;

/// <summary>
/// The overview's per-minute rollups, kept by the real write path on each backend, always equal the counts taken
/// straight from the events (<see cref="AuditReader.OverviewFromEventsAsync"/>): after inserts, applied replays,
/// reported latencies, duplicates and retention cuts, and after the backfill of a database that upgrades.
/// </summary>
public abstract partial class StoreContractTests
{
    /// <summary>A whole minute in 2027: the workload's events fall in the six hours after it.</summary>
    private static readonly long RollupBase = DateTimeOffset.Parse("2027-03-01T08:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Rollups_equal_the_events_counts_after_a_random_workload_of_replays_latencies_duplicates_and_prunes(int seed)
    {
        var store = await OpenAsync();
        var workload = await RollupWorkload.StartAsync(store, seed);

        workload.Run(batches: 14);

        await AssertRollupsEqualEventsAsync(store, $"seed {seed}");
    }

    [SkippableFact]
    public async Task An_applied_decision_replay_moves_the_counts_from_the_servers_answer_to_the_applied_one()
    {
        var store = await OpenAsync();
        var session = await AcmeSessionAsync(store);
        var hookEvent = RollupWorkload.At(Events.Bash("git push", session), RollupBase + 90_000, "acme");
        store.WriteBatch([new AuditRecord(hookEvent, RollupWorkload.DecisionOf(Verdict.Allow, "r1"), RollupBase, null)], RollupBase);
        var replay = hookEvent.Clone();
        replay.DecisionWanted = false;
        replay.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.FailClosed, RuleIds = { "r2" }, LatencyUs = 7000 };

        Assert.Empty(store.WriteBatch([new AuditRecord(replay, null, RollupBase, null)], RollupBase + 1).Rejected);

        var range = OverviewRange.Of(DateTimeOffset.FromUnixTimeMilliseconds(RollupBase), DateTimeOffset.FromUnixTimeMilliseconds(RollupBase + 3_600_000));
        var overview = await store.Reader.OverviewAsync(range, "acme");
        Assert.Equal((1L, 0L, 1L), (overview.Totals.Decided, overview.Totals.Allow, overview.Totals.Deny));
        Assert.Equal("fail_closed=1", Sorted(overview.Totals.Sources));
        Assert.Equal("r2 deny 1 ask 0 of 1", string.Join("; ", overview.TopRules.Select(Line)));
        Assert.Equal("ana deny 1 ask 0 of 1", string.Join("; ", overview.TopUsers.Select(Line)));
        var latency = Assert.Single(overview.Latency);
        Assert.Equal(("fail_closed", 1L, 1L), (latency.Source, latency.Count, latency.Measured));
        await AssertRollupsEqualEventsAsync(store, "one replay");
    }

    [SkippableFact]
    public async Task A_database_at_the_previous_schema_version_gets_its_stored_events_into_the_rollups_when_it_upgrades()
    {
        var store = await OpenAsync();
        var workload = await RollupWorkload.StartAsync(store, seed: 7);
        workload.Run(batches: 8);
        // Back to the schema before the rollups (SQLite step 10, PostgreSQL step 14), the events kept.
        await TamperAsync(_database is null
            ? "DROP TABLE rollup_decisions; DROP TABLE rollup_tops; DROP TABLE rollup_latency; DELETE FROM schema_version WHERE version >= 11; PRAGMA user_version = 10;"
            : "DROP TABLE rollup_decisions; DROP TABLE rollup_tops; DROP TABLE rollup_latency; DELETE FROM schema_version WHERE version >= 15;");

        var upgraded = await OpenAsync();

        var range = OverviewRange.Of(DateTimeOffset.FromUnixTimeMilliseconds(RollupBase), DateTimeOffset.FromUnixTimeMilliseconds(RollupBase + 6 * 3_600_000));
        Assert.True((await upgraded.Reader.OverviewAsync(range, null)).Totals.Decided > 20);
        await AssertRollupsEqualEventsAsync(upgraded, "backfill");
        // And the upgraded database keeps them from there on.
        new RollupWorkload(upgraded, workload).Run(batches: 4);
        await AssertRollupsEqualEventsAsync(upgraded, "after the backfill");
    }

    [SkippableFact]
    public async Task Every_rollup_read_of_a_range_searches_its_table_by_the_minute_key()
    {
        await OpenAsync();
        foreach (var org in new[] { "", " AND org = @org" })
        {
            var (decisions, latency, tops) = AuditReader.RollupQueries(org);
            foreach (var (table, query) in new[] { ("rollup_decisions", decisions), ("rollup_latency", latency), ("rollup_tops", tops) })
            {
                var sql = query.Replace("@from", "1000", StringComparison.Ordinal).Replace("@to", "2000", StringComparison.Ordinal)
                    .Replace("@org", "'acme'", StringComparison.Ordinal);
                var plan = await ExplainAsync(sql);
                if (_database is null)
                {
                    Assert.Contains($"SEARCH {table} USING PRIMARY KEY (minute_ms>? AND minute_ms<?)", plan, StringComparison.Ordinal);
                }
                else
                {
                    // With sequential scans priced out, a plan that can only scan the whole table still would.
                    Assert.Contains($"{table}_pkey", plan, StringComparison.Ordinal);
                    Assert.Contains("Index Cond: ((minute_ms >= 1000) AND (minute_ms < 2000)", plan, StringComparison.Ordinal);
                }
                Assert.DoesNotContain("events", plan.Replace(table, "", StringComparison.Ordinal), StringComparison.Ordinal);
            }
        }
    }

    [SkippableFact]
    public async Task Rollups_counted_by_two_writers_in_their_own_shards_sum_to_the_events_counts_across_moves_and_prunes()
    {
        var first = await OpenAsync(rollupShard: 3);
        var second = await OpenAsync(rollupShard: 11);
        var workload = await RollupWorkload.StartAsync(first, seed: 5);

        // Each writer replays, measures and prunes events the other counted: its own shard goes below zero.
        workload.Run(batches: 5);
        workload = new RollupWorkload(second, workload);
        workload.Run(batches: 5);
        new RollupWorkload(first, workload).Run(batches: 5);

        await AssertRollupsEqualEventsAsync(first, "two shards");
    }

    [SkippableFact]
    public async Task Two_replicas_counting_the_same_minute_and_org_do_not_wait_on_each_others_uncommitted_rollups()
    {
        var holder = (AuditStore)await OpenAsync(rollupShard: 1);
        Skip.If(_database is null, "SQLite has one writer at a time");
        var other = await OpenAsync(rollupShard: 2);
        string[] sessions = [await AcmeSessionAsync(other), await AcmeSessionAsync(other)];
        AuditRecord Decided(string session, long timeMs) => new(
            RollupWorkload.At(Events.Bash("git push", session), timeMs, "acme"), RollupWorkload.DecisionOf(Verdict.Deny, "r1"), timeMs, null);
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        holder.BeforeCommit = () =>
        {
            holding.Set();
            release.Wait(TimeSpan.FromSeconds(60));
        };

        // The holder has upserted its counts of the minute and keeps its transaction open.
        var held = Task.Run(() => holder.WriteBatch([Decided(sessions[0], RollupBase + 10_000)], RollupBase));
        try
        {
            Assert.True(holding.Wait(TimeSpan.FromSeconds(30)), "the holder's batch never reached its commit");
            var write = Task.Run(() => other.WriteBatch([Decided(sessions[1], RollupBase + 20_000)], RollupBase));
            await write.WaitAsync(TimeSpan.FromSeconds(15));
        }
        finally
        {
            release.Set();
        }
        await held;

        var range = OverviewRange.Of(DateTimeOffset.FromUnixTimeMilliseconds(RollupBase), DateTimeOffset.FromUnixTimeMilliseconds(RollupBase + 60_000));
        Assert.Equal(2L, (await other.Reader.OverviewAsync(range, "acme")).Totals.Deny);
        await AssertRollupsEqualEventsAsync(other, "two replicas of one minute");
    }

    [SkippableFact]
    public async Task An_event_id_another_writer_stored_between_the_batchs_select_and_its_insert_is_not_counted_by_the_batch()
    {
        var store = await OpenAsync();
        var session = await AcmeSessionAsync(store);
        var hookEvent = RollupWorkload.At(Events.Bash("rm -rf /", session), RollupBase + 30_000, "acme");
        // Another replica stores the id (under another session, without a decision) after the batch found it absent.
        ((AuditStore)store).BeforeInsert = command =>
        {
            using var insert = command($"""
                INSERT INTO events (event_id, session_id, agent, agent_session_id, hook_event, native_event, tool_name, native_tool_name,
                    tool_use_id, cwd, permission_mode, payload_truncated, event_time_ms, received_at_ms, applied_source, stored_at_ms, org)
                VALUES ('{hookEvent.EventId}', 'elsewhere', 'codex', '', 'PreToolUse', '', 'Read', '', '', '', '', 0, {RollupBase + 30_000},
                    {RollupBase}, '', {RollupBase}, 'acme');
                """);
            Assert.Equal(1, insert.ExecuteNonQuery());
        };

        store.WriteBatch([new AuditRecord(hookEvent, RollupWorkload.DecisionOf(Verdict.Deny, "r1"), RollupBase, null)], RollupBase);

        var range = OverviewRange.Of(DateTimeOffset.FromUnixTimeMilliseconds(RollupBase), DateTimeOffset.FromUnixTimeMilliseconds(RollupBase + 60_000));
        Assert.Equal(0L, (await store.Reader.OverviewAsync(range, "acme")).Totals.Decided);
        await AssertRollupsEqualEventsAsync(store, "an id stored between select and insert");
    }

    /// <summary>A new session of ana in acme.</summary>
    private static async Task<string> AcmeSessionAsync(IAuditStore store)
    {
        var session = Guid.NewGuid().ToString();
        await store.CreateOrResumeSessionAsync(new CreateSessionRequest { Agent = "claude" }, session, 1, new SessionIdentity("ana", "acme", true, null));
        return session;
    }

    private async Task<string> ExplainAsync(string sql, IEnumerable<(string Name, object? Value)>? parameters = null)
    {
        if (_database is not null)
        {
            await using var pg = new Npgsql.NpgsqlConnection(_database.ConnectionString);
            await pg.OpenAsync();
            await using (var off = new Npgsql.NpgsqlCommand("SET enable_seqscan = off; SET enable_bitmapscan = off;", pg))
            {
                await off.ExecuteNonQueryAsync();
            }
            var explain = new Npgsql.NpgsqlCommand("EXPLAIN " + sql, pg);
            foreach (var (name, value) in parameters ?? [])
            {
                explain.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
            return await ReadPlanAsync(explain, column: 0);
        }
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir!.File("data/hookline.db")};Pooling=False");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters ?? [])
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return await ReadPlanAsync(command, column: 3);
    }

    private static async Task<string> ReadPlanAsync(System.Data.Common.DbCommand command, int column)
    {
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync();
            var plan = new StringBuilder();
            while (await reader.ReadAsync())
            {
                plan.AppendLine(reader.GetString(column));
            }
            return plan.ToString();
        }
    }

    /// <summary>The rollups' answer equals the events' for ranges of several spans (so several bucket widths), for every org and none.</summary>
    private static async Task AssertRollupsEqualEventsAsync(IAuditStore store, string what)
    {
        var reader = (AuditReader)store.Reader;
        (long From, long To)[] ranges =
        [
            (RollupBase, RollupBase + 6 * 3_600_000),
            (RollupBase + 37 * 60_000, RollupBase + 133 * 60_000),
            (RollupBase + 60 * 60_000, RollupBase + 61 * 60_000),
            (RollupBase - 86_400_000, RollupBase + 2 * 86_400_000),
            (RollupBase - 20 * 86_400_000, RollupBase + 10 * 86_400_000),
            (RollupBase + 5 * 3_600_000 + 17 * 60_000, RollupBase + 5 * 3_600_000 + 47 * 60_000),
        ];
        foreach (var (from, to) in ranges)
        {
            var range = OverviewRange.Of(DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(to));
            foreach (var org in new[] { null, "", "acme", "globex", "nobody" })
            {
                var expected = Describe(await reader.OverviewFromEventsAsync(range, org));
                var actual = Describe(await reader.OverviewAsync(range, org));
                Assert.True(expected == actual, $"{what}: {range} org {org ?? "(any)"}\nexpected:\n{expected}\nactual:\n{actual}");
            }
        }
    }

    /// <summary>Every field of the counts, dictionaries sorted: equal text is equal counts.</summary>
    private static string Describe(OverviewCounts counts)
    {
        var text = new StringBuilder();
        var t = counts.Totals;
        text.AppendLine(CultureInfo.InvariantCulture, $"totals {t.Decided} allow {t.Allow} ask {t.Ask} deny {t.Deny} rates {t.DenyRate:R} {t.AskRate:R} sources {Sorted(t.Sources)}");
        foreach (var bucket in counts.Timeline)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"bucket {bucket.Start:O} {Sorted(bucket.Verdicts)} | {Sorted(bucket.Sources)}");
        }
        foreach (var series in counts.Latency)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"latency {series.Source} {series.Count} measured {series.Measured} p50 {series.P50Ms} p99 {series.P99Ms} {string.Join(",", series.Buckets.Select(b => $"{b.UpToUs}:{b.Count}"))}");
        }
        foreach (var (kind, tops) in new[] { ("rules", counts.TopRules), ("users", counts.TopUsers), ("agents", counts.TopAgents), ("tools", counts.TopTools) })
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"top {kind}: {string.Join("; ", tops.Select(Line))}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"fired {string.Join(",", counts.RulesFired.Order(StringComparer.Ordinal))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"ungoverned {Sorted(counts.Ungoverned)}");
        return text.ToString();
    }

    private static string Line(TopEntry top) => $"{top.Key} deny {top.Deny} ask {top.Ask} of {top.Decided}";

    private static string Sorted(IReadOnlyDictionary<string, long> counts) =>
        string.Join(",", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));

    /// <summary>
    /// Random batches through the real <see cref="IAuditStore.WriteBatch"/>: sessions of three orgs and users (one with no
    /// session row), decided and non-blocking events, sidecar-applied decisions, applied replays (some in the batch of
    /// their event), duplicates, refused rewrites, reported latencies (some for the wrong session or already measured),
    /// and retention cuts between batches.
    /// </summary>
    private sealed class RollupWorkload
    {
        private static readonly string[] Tools = ["Bash", "Read", "Write", "WebFetch"];
        private static readonly string[] Agents = ["claude", "codex", "gemini"];
        private static readonly string[] Rules = ["r1", "r2", "deny-rm", "ask-push", "r5"];
        private static readonly DecisionSource[] Sources = [DecisionSource.Local, DecisionSource.FailClosed, DecisionSource.FailOpen, DecisionSource.Hook];

        private readonly IAuditStore _store;
        private readonly Random _random;
        private readonly List<(string Id, string Org)> _sessions;
        private readonly List<AuditRecord> _sent;
        private int _batch;

        private RollupWorkload(IAuditStore store, int seed, List<(string, string)> sessions)
        {
            _store = store;
            _random = new Random(seed);
            _sessions = sessions;
            _sent = [];
        }

        /// <summary>Goes on with <paramref name="earlier"/>'s sessions and events, on another store of the same data.</summary>
        public RollupWorkload(IAuditStore store, RollupWorkload earlier)
        {
            _store = store;
            _random = earlier._random;
            _sessions = earlier._sessions;
            _sent = earlier._sent;
            _batch = earlier._batch;
        }

        public static async Task<RollupWorkload> StartAsync(IAuditStore store, int seed)
        {
            var sessions = new List<(string, string)>();
            string[] orgs = ["", "acme", "globex"];
            string[] users = ["ana", "bo", "cy", "dee"];
            for (var i = 0; i < 7; i++)
            {
                var id = Guid.NewGuid().ToString();
                var org = orgs[i % orgs.Length];
                await store.CreateOrResumeSessionAsync(new CreateSessionRequest { Agent = "claude" }, id, 1,
                    new SessionIdentity(users[i % users.Length], org, org.Length > 0, null));
                sessions.Add((id, org));
            }
            // Events of a session the store has no row for: counted under the user "".
            sessions.Add((Guid.NewGuid().ToString(), "acme"));
            return new RollupWorkload(store, seed, sessions);
        }

        public static HookEvent At(HookEvent hookEvent, long timeMs, string org)
        {
            hookEvent.Time = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(timeMs));
            hookEvent.Org = org;
            return hookEvent;
        }

        public static Decision DecisionOf(Verdict verdict, params string[] rules) =>
            new() { Verdict = verdict, Evaluated = verdict, PolicyEpoch = 1, RuleIds = { rules } };

        public void Run(int batches)
        {
            for (var end = _batch + batches; _batch < end; _batch++)
            {
                var storedAt = RollupBase + (_batch * 1000L);
                var records = new List<AuditRecord>();
                var latencies = new List<ReportedLatency>();
                var size = _random.Next(1, 60);
                for (var i = 0; i < size; i++)
                {
                    var roll = _random.NextDouble();
                    if (roll < 0.6 || _sent.Count == 0)
                    {
                        records.Add(Fresh());
                    }
                    else if (roll < 0.75)
                    {
                        records.Add(Replay(Pick()));
                    }
                    else if (roll < 0.85)
                    {
                        records.Add(Pick());
                    }
                    else
                    {
                        var target = Pick().Event;
                        var session = _random.NextDouble() < 0.1 ? _sessions[0].Id : target.SessionId;
                        latencies.Add(new ReportedLatency(session, target.EventId, _random.Next(0, 3) == 0 ? _random.Next(0, 3) : _random.Next(50, 2_000_000)));
                    }
                }
                if (_random.NextDouble() < 0.3 && records.Count > 0)
                {
                    // An event and its applied replay in one batch.
                    records.Add(Replay(records[^1]));
                }
                _store.WriteBatch(records, storedAt, null, latencies);
                _sent.AddRange(records.Where(r => r.Event.DecisionWanted || r.Event.Applied is null));
                if (_batch % 5 == 4)
                {
                    // Cut the oldest stored events, a few at a time, as the retention sweep does.
                    _store.Prune(storedAt - 2500, storedAt, _random.Next(3, 25));
                }
            }
        }

        private AuditRecord Pick() => _sent[_random.Next(_sent.Count)];

        private AuditRecord Fresh()
        {
            var (session, org) = _sessions[_random.Next(_sessions.Count)];
            var time = RollupBase + _random.NextInt64(0, 6 * 3_600_000);
            var decided = _random.NextDouble() < 0.85;
            var hookEvent = At(Events.Tool(Tools[_random.Next(Tools.Length)], new { n = _random.Next() }, session, decisionWanted: decided), time, org);
            hookEvent.Agent = Agents[_random.Next(Agents.Length)];
            if (decided && _random.NextDouble() < 0.2)
            {
                hookEvent.Applied = Applied();
            }
            return new AuditRecord(hookEvent, decided ? DecisionOf(Verdict(), RulesOf()) : null, time, null);
        }

        private AuditRecord Replay(AuditRecord of)
        {
            var replay = of.Event.Clone();
            replay.DecisionWanted = false;
            replay.Applied = Applied();
            return new AuditRecord(replay, null, of.ReceivedAtUnixMs, null);
        }

        private AppliedDecision Applied() => new()
        {
            Verdict = Verdict(),
            Source = Sources[_random.Next(Sources.Length)],
            RuleIds = { RulesOf() },
            PolicyEpoch = 1,
            LatencyUs = (uint)_random.Next(0, 40_000_000),
        };

        private Verdict Verdict() => _random.Next(0, 6) switch
        {
            0 => Contracts.V1.Verdict.Deny,
            1 => Contracts.V1.Verdict.Ask,
            _ => Contracts.V1.Verdict.Allow,
        };

        private string[] RulesOf() => [.. Rules.Where(_ => _random.NextDouble() < 0.25)];
    }
}
