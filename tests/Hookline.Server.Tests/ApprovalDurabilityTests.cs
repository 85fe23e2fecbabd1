using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Microsoft.Extensions.Time.Testing;
using static Hookline.Server.Tests.ApprovalSupport;

namespace Hookline.Server.Tests;

/// <summary>
/// Approvals are rows: answers are chained audit rows that <c>hookline verify</c> covers (SQLite and PostgreSQL), and a
/// pending approval outlives the server that opened it.
/// </summary>
public abstract class ApprovalDurabilityTests : BackendSuite
{
    [SkippableFact]
    public async Task Verify_covers_the_answer_rows_and_finds_one_rewritten_in_the_database()
    {
        var server = await StartAsync();
        await ChangePolicyAsync(server, ApprovalSupport.Policy);
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, session);
        var denied = await PendingAsync(stream, Deploy(session, "a.yaml"));
        var approved = await PendingAsync(stream, Deploy(session, "b.yaml"));
        await AnswerAsync(server, denied.ApprovalId, approve: false, reason: "not now");
        await AnswerAsync(server, approved.ApprovalId, approve: true);
        var location = Location(server);

        Assert.Equal(1, await AnswerRowsAsync(server, denied.ApprovalId));
        Assert.Equal(1, await AnswerRowsAsync(server, approved.ApprovalId));
        Assert.Empty((await AuditTrail.VerifyAsync(location)).Broken);

        // Someone with the database turns the deny into an approval by another person.
        var rewritten = await server.ScalarAsync<string>("SELECT event_id FROM events WHERE hook_event = @name AND tool_use_id = @id",
            ("@name", ApprovalProtocol.AnswerEventName), ("@id", denied.ApprovalId));
        await ExecuteAsync(server, $"UPDATE events SET verdict = 'allow', user_name = 'mallory' WHERE event_id = '{rewritten}'");

        var broken = Assert.Single((await AuditTrail.VerifyAsync(location)).Broken);
        Assert.Equal((session, rewritten), (broken.SessionId, broken.EventId));
    }

    [SkippableFact]
    public async Task Answered_approvals_are_pruned_with_retention_and_pending_ones_kept()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await StartAsync(o => o.TimeProvider = time);
        await ChangePolicyAsync(server, ApprovalSupport.Policy);
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, session);
        var answered = await PendingAsync(stream, Deploy(session, "a.yaml"));
        var pending = await PendingAsync(stream, Deploy(session, "b.yaml", waitMs: 600_000));
        await AnswerAsync(server, answered.ApprovalId, approve: true);

        var store = server.Service<Internal.Storage.IAuditStore>();
        store.Prune(time.GetUtcNow().AddMinutes(1).ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds(), 1000);

        var left = await Desk(server).ListAsync(null, null, 10, default);
        Assert.Equal(pending.ApprovalId, Assert.Single(left).Id);
    }
}

public sealed class SqliteApprovalDurabilityTests : ApprovalDurabilityTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);

    [Fact]
    public async Task A_pending_approval_survives_a_restart_and_a_resumed_wait_gets_its_answer()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var dir = new TempDir();
        var session = Guid.NewGuid().ToString();
        string answeredLater, leftToExpire;
        await using (var before = await TestServer.StartAsync(dir, ApprovalSupport.Policy, o => o.TimeProvider = time))
        {
            await using var stream = await OpenAsync(before, session);
            answeredLater = (await PendingAsync(stream, Deploy(session, "a.yaml", waitMs: 120_000))).ApprovalId;
            leftToExpire = (await PendingAsync(stream, Deploy(session, "b.yaml", waitMs: 30_000))).ApprovalId;
        }

        await using var after = await TestServer.StartAsync(dir, ApprovalSupport.Policy, o => o.TimeProvider = time);
        await using var resumed = await OpenAsync(after, session);
        var stillPending = await Desk(after).ListAsync(null, ApprovalProtocol.StatusPending, 10, default);
        await resumed.SendAsync(new ProcessHookEventRequest { AwaitApproval = new AwaitApproval { ApprovalId = leftToExpire } });
        await resumed.SendAsync(new ProcessHookEventRequest { AwaitApproval = new AwaitApproval { ApprovalId = answeredLater } });
        await resumed.RoundTripAsync();
        // The restarted server's timer knows the deadline of the row it found pending.
        time.Advance(TimeSpan.FromSeconds(30));
        var expired = await ResolvedAsync(resumed);
        await AnswerAsync(after, answeredLater, approve: true);
        var approved = await ResolvedAsync(resumed);

        Assert.Equal(new[] { answeredLater, leftToExpire }.Order(), stillPending.Select(a => a.Id).Order());
        Assert.Equal((leftToExpire, true, Verdict.Deny), (expired.ApprovalId, expired.TimedOut, expired.Verdict));
        Assert.Equal((answeredLater, Verdict.Allow), (approved.ApprovalId, approved.Verdict));
    }
}

public sealed class PostgresApprovalDurabilityTests : ApprovalDurabilityTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();

    [SkippableFact]
    public async Task An_answer_given_on_one_replica_resolves_the_hook_waiting_on_the_other()
    {
        var asking = await StartAsync();
        await ChangePolicyAsync(asking, ApprovalSupport.Policy);
        var answering = await StartAsync();
        var changed = new TaskCompletionSource<ApprovalView>(TaskCreationOptions.RunContinuationsAsynchronously);
        Desk(answering).Changed += view => changed.TrySetResult(view);
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(asking, session);

        var pending = await PendingAsync(stream, Deploy(session));
        var heard = await changed.Task.WaitAsync(Bound.Hang);
        var answer = await AnswerAsync(answering, pending.ApprovalId, approve: false, reason: "wrong cluster");
        var resolved = await ResolvedAsync(stream);
        var second = await AnswerAsync(asking, pending.ApprovalId, approve: true);

        Assert.Equal((pending.ApprovalId, ApprovalProtocol.StatusPending), (heard.Id, heard.Status));
        Assert.Equal(AnswerOutcome.Answered, answer.Outcome);
        Assert.Equal((Verdict.Deny, "denied by alice: wrong cluster"), (resolved.Verdict, resolved.Reason));
        Assert.Equal(AnswerOutcome.AlreadyResolved, second.Outcome);
        Assert.Equal(1, await AnswerRowsAsync(asking, pending.ApprovalId));
    }
}
