using Hookline.Contracts.V1;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Tests;

public abstract partial class StoreContractTests
{
    [SkippableFact]
    public async Task A_reported_latency_fills_in_a_remote_decision_once_and_only_for_its_own_session()
    {
        var store = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        var other = Guid.NewGuid().ToString();
        var remote = Events.Bash("git status", session);
        var remoteOfOther = Events.Bash("git status", other);
        var local = Events.Bash("rm -rf /tmp/x", session, decisionWanted: false);
        local.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.Local, PolicyEpoch = 1, LatencyUs = 9000 };
        var telemetry = Events.Bash("ls", session, decisionWanted: false);
        store.WriteBatch([Record(remote), Record(remoteOfOther), Record(local), Record(telemetry)]);

        // A batch of latencies alone, as the audit writer passes them when no event is waiting.
        store.WriteBatch([], 2, null,
        [
            new ReportedLatency(session, remote.EventId, 1500),
            // Another session's event named by this session: untouched.
            new ReportedLatency(session, remoteOfOther.EventId, 700),
            // A decision the sidecar applied carries its own latency, sealed; a non-blocking event has none to report.
            new ReportedLatency(session, local.EventId, 5),
            new ReportedLatency(session, telemetry.EventId, 6),
            new ReportedLatency(session, Guid.NewGuid().ToString(), 7),
        ]);
        // Written once: a second report changes nothing.
        store.WriteBatch([], 3, null, [new ReportedLatency(session, remote.EventId, 2000)]);

        Assert.Equal((1500L, "remote"), await LatencyAsync(store, remote));
        Assert.Equal((null, "remote"), await LatencyAsync(store, remoteOfOther));
        Assert.Equal((9000L, "local"), await LatencyAsync(store, local));
        Assert.Null((await LatencyAsync(store, telemetry)).LatencyUs);
        Assert.True((await VerifyAsync(store)).Intact);
    }

    [SkippableFact]
    public async Task A_latency_reported_in_the_batch_that_stores_its_event_is_filled_in()
    {
        var store = await OpenAsync();
        var remote = Events.Bash("git status");

        store.WriteBatch([Record(remote)], 1, null, [new ReportedLatency(remote.SessionId, remote.EventId, 1234)]);

        Assert.Equal((1234L, "remote"), await LatencyAsync(store, remote));
    }

    private static async Task<(long? LatencyUs, string Source)> LatencyAsync(IAuditStore store, HookEvent hookEvent)
    {
        var view = await store.Reader.EventAsync(hookEvent.EventId, null);
        Assert.NotNull(view);
        return (view.LatencyUs, view.Source);
    }

    [SkippableFact]
    public async Task A_latency_report_waits_for_another_replicas_uncommitted_batch_of_its_session_and_then_counts()
    {
        var holder = (AuditStore)await OpenAsync(rollupShard: 1);
        Skip.If(_database is null, "SQLite has one writer at a time");
        var other = await OpenAsync(rollupShard: 2);
        var session = await AcmeSessionAsync(other);
        var decided = RollupWorkload.At(Events.Bash("git push", session), RollupBase + 10_000, "acme");
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        holder.BeforeCommit = () =>
        {
            holding.Set();
            release.Wait(TimeSpan.FromSeconds(60));
        };

        // The holder stores the session's decision and keeps its transaction open, as the other replica reports its latency.
        var held = Task.Run(() => holder.WriteBatch([new AuditRecord(decided, RollupWorkload.DecisionOf(Verdict.Deny, "r1"), RollupBase, null)], RollupBase));
        Task report;
        try
        {
            Assert.True(holding.Wait(TimeSpan.FromSeconds(30)), "the holder's batch never reached its commit");
            report = Task.Run(() => other.WriteBatch([], RollupBase + 1, null, [new ReportedLatency(session, decided.EventId, 1500)]));
            // Bounded polling: the report must wait on the session's lock, not run past the uncommitted row.
            await using var pg = new Npgsql.NpgsqlConnection(_database!.ConnectionString);
            await pg.OpenAsync();
            await using var waiting = new Npgsql.NpgsqlCommand("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted;", pg);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((long)(await waiting.ExecuteScalarAsync())! == 0)
            {
                Assert.False(report.IsCompleted, "the latency report ran without waiting for the session's uncommitted batch");
                Assert.True(DateTime.UtcNow < deadline, "the latency report never waited on the session's lock");
                await Task.WhenAny(report, Task.Delay(20));
            }
        }
        finally
        {
            release.Set();
        }
        await held;
        await report;

        Assert.Equal((1500L, "remote"), await LatencyAsync(other, decided));
        var range = OverviewRange.Of(DateTimeOffset.FromUnixTimeMilliseconds(RollupBase), DateTimeOffset.FromUnixTimeMilliseconds(RollupBase + 60_000));
        Assert.Equal(1L, Assert.Single((await other.Reader.OverviewAsync(range, "acme")).Latency).Measured);
        await AssertRollupsEqualEventsAsync(other, "a latency reported across replicas");
    }
}
