using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Server.Tests;

/// <summary>A session belongs to the principal (issuer, user, org) whose token created it, not to whoever knows its id.</summary>
public sealed partial class AuthTests
{
    private static ProcessHookEventRequest OpenOf(string sessionId) =>
        new() { Open = new Open { SessionId = sessionId, SidecarVersion = "test", Agent = "claude" } };

    [Theory]
    [InlineData("alice", "acme", "mallory", "acme")]
    // Tokens made without --user and --org: each is its own principal, they do not share one.
    [InlineData(null, null, null, null)]
    public async Task Another_users_token_cannot_resume_heartbeat_end_open_append_to_or_decide_on_a_session(
        string? ownerUser, string? ownerOrg, string? otherUser, string? otherOrg)
    {
        var alice = ClientWith(NewToken("sidecar", user: ownerUser, org: ownerOrg));
        var mallory = ClientWith(NewToken("sidecar", user: otherUser, org: otherOrg));
        var request = NewSession();
        await alice.CreateSessionAsync(request);
        var session = request.SessionId;

        var refused = new List<RpcException>
        {
            await Assert.ThrowsAsync<RpcException>(() => mallory.CreateSessionAsync(request).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => mallory.HeartbeatAsync(new HeartbeatRequest { SessionId = session }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => mallory.EndSessionAsync(new EndSessionRequest { SessionId = session }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => mallory.DecideOnceAsync(Events.Bash("git push", session)).ResponseAsync),
        };
        await using (var foreign = new StreamClient(mallory.ProcessHookEvent()))
        {
            await foreign.SendAsync(OpenOf(session));
            refused.Add(Assert.IsType<RpcException>(await Bound.Within(foreign.ClosedAsync(), "end of the refused stream")));
        }
        // Mallory's own stream, carrying events that name Alice's session: a blocking one and a non-blocking one.
        await using var own = new StreamClient(mallory.ProcessHookEvent());
        await own.SendAsync(OpenOf(Guid.NewGuid().ToString()));
        await own.NextSnapshotAsync();
        var injected = Events.Bash("git push origin main", session);
        var decision = await own.DecideAsync(injected);
        var appended = Events.Bash("rm -rf /", session, decisionWanted: false);
        await own.SendAsync(appended);
        var rejected = new HashSet<string>();
        await own.ReadUntilAsync(m =>
        {
            if (m.KindCase == Kind.StoredAck)
            {
                rejected.UnionWith(m.StoredAck.Rejected.Where(r => r.ReasonCode == SessionGate.NotOwnedCode).Select(r => r.EventId));
            }
            return rejected.Count == 2;
        });

        Assert.All(refused, r => Assert.Equal((StatusCode.PermissionDenied, SessionGate.NotOwnedReason), (r.StatusCode, r.Status.Detail)));
        Assert.Equal((Verdict.Deny, SessionGate.NotOwnedCode), (decision.Verdict, decision.ReasonCode));
        Assert.Equal(new[] { injected.EventId, appended.EventId }.Order(), rejected.Order());
        Assert.Empty((await AuditTrail.ReadEventsAsync(_data, session)));
        Assert.Equal(SessionStatus.Active, (await alice.HeartbeatAsync(new HeartbeatRequest { SessionId = session })).Status);
    }

    [Fact]
    public async Task A_rotated_token_of_the_same_user_resumes_the_session_and_replays_its_events_on_another_sessions_stream()
    {
        var before = ClientWith(NewToken("sidecar", user: "alice", org: "acme"));
        var crashed = NewSession();
        await before.CreateSessionAsync(crashed);
        var rotated = ClientWith(NewToken("sidecar", user: "alice", org: "acme"));
        var next = NewSession();
        await rotated.CreateSessionAsync(next);

        var resumed = await rotated.CreateSessionAsync(crashed);
        await using var stream = new StreamClient(rotated.ProcessHookEvent());
        await stream.SendAsync(OpenOf(next.SessionId));
        await stream.NextSnapshotAsync();
        // What a starting sidecar does with the spool a crashed one left: its events, on the new session's stream.
        var replay = Events.Bash("rm -rf /tmp/build", crashed.SessionId, decisionWanted: false);
        replay.HookEventName = "PreToolUse";
        replay.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.Local, LatencyUs = 9 };
        await stream.SendAsync(replay);
        await stream.ReadUntilStoredAsync(replay.EventId);

        Assert.True(resumed.Resumed);
        Assert.Equal("deny", Assert.Single((await AuditTrail.ReadEventsAsync(_data, crashed.SessionId))).Applied);
    }

    [Fact]
    public async Task Ids_that_are_not_uuids_are_refused_on_every_path()
    {
        var client = ClientWith(NewToken("sidecar", user: "alice"));
        var badEvent = Events.Bash("ls");
        badEvent.EventId = "x\"] .deny, [data-id=\"y";

        var refused = new[]
        {
            await Assert.ThrowsAsync<RpcException>(() => client.HeartbeatAsync(new HeartbeatRequest { SessionId = "not-a-uuid" }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => client.EndSessionAsync(new EndSessionRequest { SessionId = "not-a-uuid" }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => client.DecideOnceAsync(badEvent).ResponseAsync),
        };
        await using var stream = new StreamClient(client.ProcessHookEvent());
        await stream.SendAsync(OpenOf(Guid.NewGuid().ToString()));
        await stream.NextSnapshotAsync();
        var decision = await stream.DecideAsync(badEvent);
        await using var badOpen = new StreamClient(client.ProcessHookEvent());
        await badOpen.SendAsync(OpenOf("../../etc"));
        var closed = Assert.IsType<RpcException>(await Bound.Within(badOpen.ClosedAsync(), "end of the stream opened with a bad id"));

        Assert.All(refused.Append(closed), r => Assert.Equal(StatusCode.InvalidArgument, r.StatusCode));
        Assert.Equal((Verdict.Deny, "malformed_event"), (decision.Verdict, decision.ReasonCode));
        Assert.Empty((await AuditTrail.ReadEventsAsync(_data)));
    }
    [Fact]
    public async Task An_upper_case_copy_of_a_stored_event_id_under_another_session_is_refused_not_stored_twice()
    {
        var client = ClientWith(NewToken("sidecar", user: "alice"));
        await using var stream = new StreamClient(client.ProcessHookEvent());
        await stream.SendAsync(OpenOf(Guid.NewGuid().ToString()));
        await stream.NextSnapshotAsync();
        var original = Events.Bash("ls", decisionWanted: false);
        await stream.SendAsync(original);
        await stream.ReadUntilStoredAsync(original.EventId);
        // Storage compares ids as text: this copy would pass as a new event, past event_id_taken.
        var copy = Events.Bash("ls");
        copy.EventId = original.EventId.ToUpperInvariant();

        var decision = await stream.DecideAsync(copy);
        await stream.ReadUntilAsync(m => m.KindCase == Kind.StoredAck
            && m.StoredAck.EventIds.Concat(m.StoredAck.Rejected.Select(r => r.EventId)).Contains(copy.EventId));

        Assert.Equal((Verdict.Deny, "malformed_event"), (decision.Verdict, decision.ReasonCode));
        Assert.Equal(1L, _server.Service<Internal.Metrics.ServerMetrics>().RejectedCount);
        Assert.Empty((await AuditTrail.ReadEventsAsync(_data, copy.SessionId)));
        Assert.Single((await AuditTrail.ReadEventsAsync(_data)), e => string.Equals(e.EventId, original.EventId, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Session_ids_not_in_canonical_lower_case_form_are_refused_with_invalid_argument()
    {
        var client = ClientWith(NewToken("sidecar", user: "alice"));
        var request = NewSession();
        await client.CreateSessionAsync(request);
        var id = request.SessionId;
        var upper = id.ToUpperInvariant();

        var refused = new List<RpcException>
        {
            await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(new CreateSessionRequest { SessionId = "{" + id + "}", Agent = "claude" }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(new CreateSessionRequest { SessionId = id.Replace("-", ""), Agent = "claude" }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => client.HeartbeatAsync(new HeartbeatRequest { SessionId = upper }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => client.EndSessionAsync(new EndSessionRequest { SessionId = " " + id }).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => client.DecideOnceAsync(Events.Bash("ls", upper)).ResponseAsync),
        };
        await using (var badOpen = new StreamClient(client.ProcessHookEvent()))
        {
            await badOpen.SendAsync(OpenOf(upper));
            refused.Add(Assert.IsType<RpcException>(await Bound.Within(badOpen.ClosedAsync(), "end of the stream opened with an upper-case id")));
        }

        Assert.All(refused, r => Assert.Equal(StatusCode.InvalidArgument, r.StatusCode));
        Assert.Equal(SessionStatus.Active, (await client.HeartbeatAsync(new HeartbeatRequest { SessionId = id })).Status);
    }
}
