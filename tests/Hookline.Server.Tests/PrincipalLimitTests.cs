using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>
/// One principal's streams and unary calls are limited in number and in event bytes per second, on a real server with
/// tokens.
/// </summary>
public sealed class PrincipalLimitTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_dir, Policies.Standard, o =>
    {
        o.Auth = ServerAuthMode.Required;
        o.TimeProvider = _time;
        o.MaxStreamsPerPrincipal = 2;
        o.MaxUnaryCallsPerPrincipal = 2;
        o.EventBytesPerSecondPerPrincipal = 1000;
        o.EventBurstBytesPerPrincipal = 1000;
    });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private AgentService.AgentServiceClient ClientOf(string user)
        => _server.ClientWith(Tokens.Create(_dir.File("data"), $"{user}-{Guid.NewGuid():N}"[..20], TokenScope.Sidecar, user, "acme").Token);

    private static async Task<StreamClient> OpenAsync(AgentService.AgentServiceClient client)
    {
        var stream = new StreamClient(client.ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString(), Agent = "claude" } });
        return stream;
    }

    [Fact]
    public async Task A_principal_over_its_stream_limit_is_refused_at_open_with_resource_exhausted_and_others_are_not()
    {
        // Two tokens of one user are one principal: rotating a token does not double the limit.
        var alice = ClientOf("alice");
        var aliceAgain = ClientOf("alice");
        await using var first = await OpenAsync(alice);
        await first.NextSnapshotAsync();
        var second = await OpenAsync(aliceAgain);
        await second.NextSnapshotAsync();

        // The server may end the stream before the Open is written; then the write fails and the status is read below.
        await using var third = new StreamClient(alice.ProcessHookEvent());
        await Record.ExceptionAsync(() => third.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString(), Agent = "claude" } }));
        var refused = Assert.IsType<RpcException>(await Bound.Within(third.ClosedAsync(), "end of the stream over the limit"));
        await using var bob = await OpenAsync(ClientOf("bob"));
        await bob.NextSnapshotAsync();
        await second.DisposeAsync();
        await using var again = await OpenAsync(alice);
        await again.NextSnapshotAsync();

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(1L, _server.Service<Internal.Metrics.ServerMetrics>().OverLimitCount);
    }

    [Fact]
    public async Task Over_its_byte_rate_a_principals_stream_is_read_later_and_nothing_is_lost()
    {
        var rate = _server.Service<PrincipalByteRate>();
        await using var stream = await OpenAsync(ClientOf("alice"));
        await stream.NextSnapshotAsync();
        var large = Events.Bash(new string('x', 3000), decisionWanted: false);
        var small = Events.Bash("ls", large.SessionId, decisionWanted: false);

        await stream.SendAsync(large);
        await stream.SendAsync(small);
        await Eventually.TrueAsync(() => rate.Waiting > 0, "the stream held back over its byte rate");
        // Held after the large event: the next one is not read, so it cannot be stored yet.
        Assert.DoesNotContain((await AuditTrail.ReadEventsAsync(_dir.File("data"), large.SessionId)), e => e.EventId == small.EventId);
        Assert.Equal(1L, rate.Delays);

        _time.Advance(TimeSpan.FromSeconds(3));
        await stream.ReadUntilStoredAsync(large.EventId, small.EventId);

        Assert.Equal(2, (await AuditTrail.ReadEventsAsync(_dir.File("data"), large.SessionId)).Count);
    }

    /// <summary>Waits until the byte rate holds <paramref name="count"/> callers back.</summary>
    private static Task WaitUntilHeldAsync(PrincipalByteRate rate, int count, string what) =>
        Eventually.TrueAsync(() => rate.Waiting >= count, $"{what} held back over the principal's byte rate");

    [Fact]
    public async Task A_decide_once_call_takes_from_the_principals_byte_rate_and_waits_over_it()
    {
        var rate = _server.Service<PrincipalByteRate>();
        var alice = ClientOf("alice");
        var large = Events.Bash("ls " + new string('x', 3000));

        var call = alice.DecideOnceAsync(large).ResponseAsync;
        await WaitUntilHeldAsync(rate, 1, "the large DecideOnce call");
        Assert.False(call.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(3));
        var decision = await Bound.Within(call, "the DecideOnce call once the rate is paid back");

        Assert.Equal((Verdict.Allow, large.EventId), (decision.Verdict, decision.EventId));
        Assert.Equal(1L, rate.Delays);
    }

    [Fact]
    public async Task A_principal_over_its_decide_once_limit_is_refused_at_once_with_resource_exhausted_and_others_are_not()
    {
        var rate = _server.Service<PrincipalByteRate>();
        var alice = ClientOf("alice");
        var aliceAgain = ClientOf("alice");
        // Held by the byte rate (the clock does not move): two calls in progress, the principal's limit.
        var held = new[]
        {
            alice.DecideOnceAsync(Events.Bash("ls " + new string('x', 3000))).ResponseAsync,
            aliceAgain.DecideOnceAsync(Events.Bash("ls " + new string('y', 3000))).ResponseAsync,
        };
        await WaitUntilHeldAsync(rate, 2, "two large DecideOnce calls");

        var refused = await Assert.ThrowsAsync<RpcException>(() => Bound.Within(alice.DecideOnceAsync(Events.Bash("ls")).ResponseAsync,
            "the DecideOnce call over the limit"));
        var bob = await Bound.Within(ClientOf("bob").DecideOnceAsync(Events.Bash("ls")).ResponseAsync, "another principal's call");
        _time.Advance(TimeSpan.FromSeconds(10));
        var released = await Bound.Within(Task.WhenAll(held), "the held calls once the rate is paid back");
        _time.Advance(TimeSpan.FromSeconds(10));
        var again = await Bound.Within(alice.DecideOnceAsync(Events.Bash("ls")).ResponseAsync, "alice's call after hers finished");

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(1L, _server.Service<Internal.Metrics.ServerMetrics>().OverLimitCount);
        Assert.All(released.Append(bob).Append(again), d => Assert.Equal(Verdict.Allow, d.Verdict));
    }

    [Fact]
    public void Http2_streams_per_connection_follow_the_principal_limits()
    {
        Assert.Equal(100, HooklineServer.StreamsPerConnection(new HooklineServerOptions()));
        Assert.Equal(236, HooklineServer.StreamsPerConnection(new HooklineServerOptions { MaxStreamsPerPrincipal = 200 }));
        Assert.Equal(1024, HooklineServer.StreamsPerConnection(new HooklineServerOptions { MaxUnaryCallsPerPrincipal = 0 }));
    }
}
