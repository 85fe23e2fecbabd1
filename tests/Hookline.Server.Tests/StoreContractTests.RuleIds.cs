using Hookline.Contracts.V1;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Tests;

/// <summary>
/// The rule ids of an applied decision come from the sidecar on a replay: the rollups, the events' reference counts
/// and the backfill count each distinct id of the first <see cref="RollupSchema.MaxCountedRuleIds"/> entries once, so
/// one event cannot multiply rows or counts.
/// </summary>
public abstract partial class StoreContractTests
{
    /// <summary>An applied replay of a new decided event of ana in acme, naming <paramref name="ruleIds"/>.</summary>
    private static async Task<OverviewCounts> ReplayNamingAsync(IAuditStore store, IEnumerable<string> ruleIds)
    {
        var session = await AcmeSessionAsync(store);
        var hookEvent = RollupWorkload.At(Events.Bash("git push", session), RollupBase + 90_000, "acme");
        store.WriteBatch([new AuditRecord(hookEvent, RollupWorkload.DecisionOf(Verdict.Allow, "r0"), RollupBase, null)], RollupBase);
        var replay = hookEvent.Clone();
        replay.DecisionWanted = false;
        replay.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.FailClosed, LatencyUs = 7000 };
        replay.Applied.RuleIds.AddRange(ruleIds);
        Assert.Empty(store.WriteBatch([new AuditRecord(replay, null, RollupBase, null)], RollupBase + 1).Rejected);
        return await store.Reader.OverviewAsync(RuleIdsRange, "acme");
    }

    private static OverviewRange RuleIdsRange => OverviewRange.Of(
        DateTimeOffset.FromUnixTimeMilliseconds(RollupBase), DateTimeOffset.FromUnixTimeMilliseconds(RollupBase + 3_600_000));

    [SkippableFact]
    public async Task A_replay_naming_one_rule_many_times_and_many_rules_counts_each_distinct_id_of_the_first_ones_once()
    {
        var store = await OpenAsync();
        // r1 three times, then 100 other ids: the first 32 entries hold r1 and x0..x28.
        var overview = await ReplayNamingAsync(store, [.. Enumerable.Repeat("r1", 3), .. Enumerable.Range(0, 100).Select(i => $"x{i}")]);

        Assert.Equal(1L, overview.Totals.Decided);
        Assert.Equal("r1 deny 1 ask 0 of 1", Line(overview.TopRules.Single(t => t.Key == "r1")));
        Assert.Equal(RollupSchema.MaxCountedRuleIds - 2, overview.RulesFired.Count);
        Assert.All(overview.TopRules, top => Assert.Equal(1L, top.Deny));
        await AssertRollupsEqualEventsAsync(store, "a replay naming ids many times");
    }

    [SkippableFact]
    public async Task The_backfill_of_an_event_naming_a_hundred_thousand_rule_ids_counts_only_the_first_ones()
    {
        var store = await OpenAsync();
        // PostgreSQL's btree index on applied_rule_ids refuses such a list, and its backfill splits in linear time.
        Skip.If(_database is not null, "PostgreSQL cannot store the list");
        await ReplayNamingAsync(store, Enumerable.Range(0, 100_000).Select(i => $"rule-{i}"));
        await TamperAsync(_database is null
            ? "DROP TABLE rollup_decisions; DROP TABLE rollup_tops; DROP TABLE rollup_latency; DELETE FROM schema_version WHERE version >= 11; PRAGMA user_version = 10;"
            : "DROP TABLE rollup_decisions; DROP TABLE rollup_tops; DROP TABLE rollup_latency; DELETE FROM schema_version WHERE version >= 15;");

        // Generous: the unbounded SQLite split took minutes here; the bounded one takes well under a second.
        var upgraded = await Task.Run(() => OpenAsync()).WaitAsync(TimeSpan.FromSeconds(60));

        var overview = await upgraded.Reader.OverviewAsync(RuleIdsRange, "acme");
        Assert.Equal(1L, overview.Totals.Decided);
        Assert.Equal(RollupSchema.MaxCountedRuleIds, overview.RulesFired.Count);
        await AssertRollupsEqualEventsAsync(upgraded, "backfill of a long id list");
    }
}
