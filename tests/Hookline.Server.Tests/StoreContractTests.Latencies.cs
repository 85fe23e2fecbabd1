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
}
