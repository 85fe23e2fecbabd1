using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal;

namespace Hookline.Server.Tests;

/// <summary>Event ids and applied decisions stay with the session that stored them, on each backend.</summary>
public abstract partial class StoreContractTests
{
    private static AppliedDecision AppliedOf(Verdict verdict, DecisionSource source) =>
        new() { Verdict = verdict, Source = source, Reason = "sidecar", PolicyEpoch = 1, LatencyUs = 4000 };

    private static AuditRecord Replay(HookEvent original, string sessionId, Verdict verdict, DecisionSource source)
    {
        var replay = original.Clone();
        replay.SessionId = sessionId;
        replay.DecisionWanted = false;
        replay.Applied = AppliedOf(verdict, source);
        return Record(replay);
    }

    [SkippableFact]
    public async Task An_event_id_stored_under_one_session_is_refused_under_another_in_a_later_batch_or_the_same_one()
    {
        var store = await OpenAsync();
        var victim = Events.Bash("rm -rf /srv", Guid.NewGuid().ToString());
        store.WriteBatch([Record(victim, Verdict.Deny)]);
        var attacker = Guid.NewGuid().ToString();

        var later = store.WriteBatch([Replay(victim, attacker, Verdict.Allow, DecisionSource.Local)], 1);
        var fresh = Events.Bash("ls", Guid.NewGuid().ToString());
        var sameBatch = store.WriteBatch([Record(fresh), Replay(fresh, attacker, Verdict.Deny, DecisionSource.Local)], 2);

        Assert.Equal((0, BatchPlan.EventIdTaken), (Assert.Single(later.Rejected).Key, later.Rejected[0].ReasonCode));
        Assert.Equal(victim.EventId, later.Rejected[0].EventId);
        Assert.Equal((1, BatchPlan.EventIdTaken), (Assert.Single(sameBatch.Rejected).Key, sameBatch.Rejected[1].ReasonCode));
        var stored = Assert.Single((await store.Reader.ReadEventsAsync(victim.SessionId, 10)));
        Assert.Equal(("deny", "remote"), (stored.Applied, stored.Source));
        Assert.Empty((await store.Reader.ReadEventsAsync(attacker, 10)));
        Assert.Empty((await VerifyAsync(store)).Broken);
    }

    [SkippableFact]
    public async Task The_applied_decision_is_written_once_and_a_different_one_later_is_refused()
    {
        var store = await OpenAsync();
        var replica = await OpenAsync();
        var hookEvent = Events.Bash("rm -rf /srv");
        store.WriteBatch([Record(hookEvent, Verdict.Deny)]);

        // Where only the server's own answer stands in, the sidecar's report fills it in (a budget miss).
        var filled = store.WriteBatch([Replay(hookEvent, hookEvent.SessionId, Verdict.Deny, DecisionSource.Local)], 1);
        var again = replica.WriteBatch([Replay(hookEvent, hookEvent.SessionId, Verdict.Deny, DecisionSource.Local)], 2);
        var rewrite = replica.WriteBatch([Replay(hookEvent, hookEvent.SessionId, Verdict.Allow, DecisionSource.FailOpen)], 3);
        var fresh = Events.Bash("git push");
        var inOneBatch = store.WriteBatch([
            Replay(fresh, fresh.SessionId, Verdict.Deny, DecisionSource.FailClosed),
            Replay(fresh, fresh.SessionId, Verdict.Allow, DecisionSource.FailOpen)], 4);

        Assert.Equal((0, 0), (filled.Duplicates, filled.Rejected.Count));
        Assert.Equal((1, 0), (again.Duplicates, again.Rejected.Count));
        Assert.Equal(BatchPlan.AppliedAlreadyRecorded, Assert.Single(rewrite.Rejected).Value.ReasonCode);
        Assert.Equal(BatchPlan.AppliedAlreadyRecorded, Assert.Single(inOneBatch.Rejected).Value.ReasonCode);
        var stored = Assert.Single((await store.Reader.ReadEventsAsync(hookEvent.SessionId, 10)));
        Assert.Equal(("deny", "local"), (stored.Applied, stored.Source));
        Assert.Equal(("deny", "fail_closed"), ((await store.Reader.ReadEventsAsync(fresh.SessionId, 10)).Single().Applied,
            (await store.Reader.ReadEventsAsync(fresh.SessionId, 10)).Single().Source));
        Assert.Empty((await VerifyAsync(store)).Broken);
    }

    [SkippableFact]
    public async Task A_direct_edit_of_an_applied_decision_filled_in_later_is_found_by_verify()
    {
        var store = await OpenAsync();
        var hookEvent = Events.Bash("rm -rf /srv");
        store.WriteBatch([Record(hookEvent, Verdict.Deny)]);
        store.WriteBatch([Replay(hookEvent, hookEvent.SessionId, Verdict.Deny, DecisionSource.Local)], 1);
        Assert.Empty((await VerifyAsync(store)).Broken);

        Assert.Equal(1, await TamperAsync($"UPDATE events SET applied_verdict = 'allow' WHERE event_id = '{hookEvent.EventId}'"));

        var broken = Assert.Single((await VerifyAsync(store)).Broken);
        Assert.Equal(hookEvent.EventId, broken.EventId);
        Assert.Contains("applied", broken.Problem);
    }

    [SkippableFact]
    public async Task A_session_records_its_principal_and_sessions_from_before_get_one_from_their_stored_identity()
    {
        var store = await OpenAsync();
        var alice = new Caller("t1", "laptop", TokenScope.Sidecar, "alice", "acme");
        var aliceRotated = alice with { TokenId = "t2", TokenName = "laptop-2" };
        var aliceJwt = new Caller("jwt:alice", "jwt alice", TokenScope.Sidecar, "alice", "acme") { Issuer = "https://idp" };
        var bob = new Caller("t3", "bob", TokenScope.Sidecar, "bob", "acme");
        // Tokens made without --user and --org: each is its own principal.
        var ci = new Caller("t4", "ci", TokenScope.Sidecar, "", "");
        var otherCi = new Caller("t5", "ci-2", TokenScope.Sidecar, "", "");
        var request = new CreateSessionRequest { Agent = "claude" };
        async Task<string> Create(Caller caller) => (await store.CreateOrResumeSessionAsync(request, Guid.NewGuid().ToString(), 1,
            SessionIdentity.Of(caller, "os-user"))).Session.SessionId;
        var local = await Create(Caller.Unauthenticated);
        var token = await Create(alice);
        var jwt = await Create(aliceJwt);
        var anonymous = await Create(ci);

        var owner = async (string id) => (await store.FindSessionAsync(id))!.Owner;
        Assert.Equal([true, false, false], new[] { Caller.Unauthenticated, alice, bob }.Select((await owner(local)).Admits));
        Assert.Equal([true, true, false, false, false], new[] { alice, aliceRotated, aliceJwt, bob, Caller.Unauthenticated }.Select((await owner(token)).Admits));
        Assert.Equal([true, false, false], new[] { aliceJwt, alice, bob }.Select((await owner(jwt)).Admits));
        Assert.Equal([true, false, false, false], new[] { ci, otherCi, alice, Caller.Unauthenticated }.Select((await owner(anonymous)).Admits));

        // The same sessions as a server before principals were recorded left them: the migration derives an owner.
        await RollBackPrincipalsAsync();
        store.Dispose();
        store = await OpenAsync();

        Assert.Equal([true, false], new[] { Caller.Unauthenticated, alice }.Select((await owner(local)).Admits));
        Assert.Equal([true, true, false, false], new[] { alice, aliceRotated, bob, Caller.Unauthenticated }.Select((await owner(token)).Admits));
        // A JWT's issuer was not stored: its session goes to any authenticated caller of that user and org.
        Assert.Equal([true, true, false, false], new[] { aliceJwt, alice, bob, Caller.Unauthenticated }.Select((await owner(jwt)).Admits));
        // A token without user and org: its session goes to that token (sessions keep its id), not to every such token.
        Assert.Equal([true, false, false, false], new[] { ci, otherCi, alice, Caller.Unauthenticated }.Select((await owner(anonymous)).Admits));
    }

    private const int SqliteSchemaPrincipalStep = 6;
    private const int PostgresSchemaPrincipalStep = 8;

    /// <summary>Takes the database back to the schema version before sessions had a principal.</summary>
    private async Task RollBackPrincipalsAsync()
    {
        await TamperAsync("ALTER TABLE sessions DROP COLUMN principal;");
        // The step that added sessions.principal, and every step after it, run again on the next open.
        var principalStep = _database is null ? SqliteSchemaPrincipalStep : PostgresSchemaPrincipalStep;
        await TamperAsync($"DELETE FROM schema_version WHERE version >= {principalStep};");
        if (_database is null)
        {
            await TamperAsync($"PRAGMA user_version = {principalStep - 1};");
            // SQLite cannot add a column only if it is missing: the step that added it runs again too.
            await TamperAsync("ALTER TABLE events DROP COLUMN reported_latency_us;");
        }
    }
}
