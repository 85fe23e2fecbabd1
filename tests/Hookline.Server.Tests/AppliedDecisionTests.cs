using Hookline.Contracts.V1;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Server.Tests;

/// <summary>
/// The decision an agent got is written once, through a real server and its SQLite file or PostgreSQL database: no
/// stream can rewrite it afterwards, and <c>hookline verify</c> finds a rewrite made in the database itself.
/// </summary>
public abstract class AppliedDecisionTests : BackendSuite
{
    private static HookEvent AppliedReplay(HookEvent original, string sessionId, Verdict verdict, DecisionSource source)
    {
        var replay = original.Clone();
        replay.SessionId = sessionId;
        replay.DecisionWanted = false;
        replay.Applied = new AppliedDecision { Verdict = verdict, Source = source, Reason = "replayed", LatencyUs = 7 };
        return replay;
    }

    private static async Task<RejectedEvent> RejectedAsync(StreamClient stream, HookEvent replay)
    {
        await stream.SendAsync(replay);
        var read = await stream.ReadUntilAsync(m => m.KindCase == Kind.StoredAck && m.StoredAck.Rejected.Any(r => r.EventId == replay.EventId));
        return read[^1].StoredAck.Rejected.Single(r => r.EventId == replay.EventId);
    }

    [SkippableFact]
    public async Task No_stream_can_rewrite_a_stored_applied_decision_and_verify_finds_a_rewrite_in_the_database()
    {
        var server = await StartAsync();
        var victim = Guid.NewGuid().ToString();
        await using var own = await server.OpenStreamAsync(victim);
        await own.NextSnapshotAsync();
        var denied = Events.Bash("rm -rf /", victim);
        Assert.Equal(Verdict.Deny, (await own.DecideAsync(denied)).Verdict);
        // The sidecar reports what it applied (a budget miss: its own deny); from now on it is recorded.
        await own.SendAsync(AppliedReplay(denied, victim, Verdict.Deny, DecisionSource.Local));
        await own.ReadUntilAsync(m => m.KindCase == Kind.StoredAck && m.StoredAck.AppliedEventIds.Contains(denied.EventId));

        await using var other = await server.OpenStreamAsync();
        await other.NextSnapshotAsync();
        var underAnotherSession = await RejectedAsync(other, AppliedReplay(denied, Guid.NewGuid().ToString(), Verdict.Allow, DecisionSource.Remote));
        var underItsOwnSession = await RejectedAsync(other, AppliedReplay(denied, victim, Verdict.Allow, DecisionSource.FailOpen));

        Assert.Equal(BatchPlan.EventIdTaken, underAnotherSession.ReasonCode);
        Assert.Equal(BatchPlan.AppliedAlreadyRecorded, underItsOwnSession.ReasonCode);
        Assert.Equal("deny|local|1", await server.ScalarAsync<string>(
            "SELECT MIN(applied_verdict) || '|' || MIN(applied_source) || '|' || COUNT(*) FROM events WHERE event_id = @id", ("@id", denied.EventId)));
        var location = Location(server);
        Assert.Empty((await AuditTrail.VerifyAsync(location)).Broken);

        await ExecuteAsync(server, $"UPDATE events SET applied_verdict = 'allow' WHERE event_id = '{denied.EventId}'");

        var broken = Assert.Single((await AuditTrail.VerifyAsync(location)).Broken);
        Assert.Equal((victim, denied.EventId), (broken.SessionId, broken.EventId));
        Assert.Contains("applied", broken.Problem);
    }
}

public sealed class SqliteAppliedDecisionTests : AppliedDecisionTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresAppliedDecisionTests : AppliedDecisionTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
