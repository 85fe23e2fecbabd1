using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>One principal's streams are limited in number and in event bytes per second, on a real server with tokens.</summary>
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

        await using var third = await OpenAsync(alice);
        var refused = Assert.IsType<RpcException>(await Bound.Within(third.ClosedAsync(), "end of the stream over the limit"));
        await using var bob = await OpenAsync(ClientOf("bob"));
        await bob.NextSnapshotAsync();
        await second.DisposeAsync();
        await using var again = await OpenAsync(alice);
        await again.NextSnapshotAsync();

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
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
        var deadline = DateTime.UtcNow + Bound.Hang;
        while (rate.Waiting == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the stream was never held back over its byte rate");
            await Task.Delay(10);
        }
        // Held after the large event: the next one is not read, so it cannot be stored yet.
        Assert.DoesNotContain(AuditTrail.ReadEvents(_dir.File("data"), large.SessionId), e => e.EventId == small.EventId);
        Assert.Equal(1L, rate.Delays);

        _time.Advance(TimeSpan.FromSeconds(3));
        await stream.ReadUntilStoredAsync(large.EventId, small.EventId);

        Assert.Equal(2, AuditTrail.ReadEvents(_dir.File("data"), large.SessionId).Count);
    }
}
