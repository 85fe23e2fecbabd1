using Google.Protobuf;
using Grpc.Core.Interceptors;
using Grpc.Core;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>
/// The in-memory link of a server in the same process (<see cref="HooklineServer.CreateInProcessInvoker"/>): the
/// same service, authentication and limits as over HTTP/2, against a real server and SQLite file.
/// </summary>
public sealed class InProcessLinkTests
{
    private const string Policy = Policies.Standard;

    private static AgentService.AgentServiceClient InProcessClient(TestServer server, string? token = null)
    {
        var invoker = server.Server.CreateInProcessInvoker();
        return new AgentService.AgentServiceClient(token is null ? invoker : invoker.Intercept(m =>
        {
            m.Add("authorization", "Bearer " + token);
            return m;
        }));
    }

    [Fact]
    public async Task A_decision_comes_back_on_the_stream_and_is_stored_and_acknowledged()
    {
        await using var server = await TestServer.StartAsync(Policy);
        var client = InProcessClient(server);
        var session = await client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "dev" });
        await using var stream = new StreamClient(client.ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = session.SessionId, Agent = "claude" } });

        var snapshot = await stream.NextSnapshotAsync();
        var hookEvent = Events.Bash("rm -rf /", session.SessionId, correlationId: 7);
        var decision = await stream.DecideAsync(hookEvent);
        await stream.ReadUntilStoredAsync(hookEvent.EventId);

        Assert.Equal(server.Server.PolicyEpoch, snapshot.Epoch);
        Assert.Equal(7UL, decision.CorrelationId);
        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal("deny|no-force-delete", await server.ScalarAsync<string>(
            "SELECT verdict || '|' || rule_ids FROM events WHERE event_id = @id", ("@id", hookEvent.EventId)));
    }

    [Fact]
    public async Task A_policy_edit_is_pushed_over_the_link()
    {
        await using var server = await TestServer.StartAsync(Policy);
        var client = InProcessClient(server);
        await using var stream = new StreamClient(client.ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString(), Agent = "claude" } });
        var first = await stream.NextSnapshotAsync();

        Assert.True(await server.EditPolicyAsync(Policy.Replace("Recursive force delete is blocked", "No rm -rf here")));
        var pushed = await stream.NextSnapshotAsync();

        Assert.True(pushed.Epoch > first.Epoch);
        Assert.Equal(server.Server.PolicyEpoch, pushed.Epoch);
    }

    [Fact]
    public async Task With_auth_required_a_call_without_a_token_is_refused_and_one_with_a_token_is_served()
    {
        using var dir = new TempDir();
        await using var server = await TestServer.StartAsync(dir, Policy, o => o.Auth = ServerAuthMode.Required);
        var token = Tokens.Create(dir.File("data"), "link", Tokens.ParseScope("sidecar"), "alice", "acme").Token;

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            InProcessClient(server).CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }).ResponseAsync);
        using var stream = InProcessClient(server).ProcessHookEvent();
        var streamRefused = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext(Bound.Token()));
        var session = await InProcessClient(server, token).CreateSessionAsync(new CreateSessionRequest { Agent = "claude" });

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, streamRefused.StatusCode);
        Assert.True(session.Authenticated);
        Assert.Equal("alice", session.User);
    }

    [Fact]
    public async Task A_message_over_the_size_cap_is_refused_as_over_http2_and_nothing_is_stored()
    {
        await using var server = await TestServer.StartAsync(Policy);
        var hookEvent = Events.Bash("ls");
        hookEvent.RawInput = ByteString.CopyFrom(new byte[17 * 1024 * 1024]);

        var refused = await Assert.ThrowsAsync<RpcException>(() => InProcessClient(server).DecideOnceAsync(hookEvent).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(0L, await server.ScalarAsync<long>("SELECT COUNT(*) FROM events"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_largest_event_a_sidecar_sends_passes_and_one_over_the_message_cap_does_not(bool inProcess)
    {
        await using var server = await TestServer.StartAsync(Policy);
        var client = inProcess ? InProcessClient(server) : server.Client;
        var largest = Events.Bash("ls");
        largest.RawInput = ByteString.CopyFrom(new byte[Core.MessageLimits.MaxEventBytes - largest.CalculateSize() - 16]);
        var over = Events.Bash("ls");
        over.RawInput = ByteString.CopyFrom(new byte[Core.MessageLimits.MaxMessageBytes + 1]);

        var decision = await client.DecideOnceAsync(largest, new CallOptions(cancellationToken: Bound.Token()));
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.DecideOnceAsync(over).ResponseAsync);

        Assert.InRange(largest.CalculateSize(), Core.MessageLimits.MaxEventBytes - 32, Core.MessageLimits.MaxEventBytes);
        Assert.Equal(Verdict.Allow, decision.Verdict);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
    }

    [Fact]
    public async Task A_stopping_server_ends_the_stream_and_refuses_new_calls_as_unavailable()
    {
        var server = await TestServer.StartAsync(Policy);
        var client = InProcessClient(server);
        var stream = new StreamClient(client.ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString(), Agent = "claude" } });
        await stream.NextSnapshotAsync();

        await server.DisposeAsync();
        await Bound.Within(stream.ClosedAsync(), "end of the stream");
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        await stream.DisposeAsync();
    }
}
