using AgentService = Hookline.Contracts.V1.AgentService;
using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Grpc;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>Session lifecycle over the unary RPCs, and the sweep that marks silent sessions disconnected.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Policies.Standard, o =>
    {
        o.TimeProvider = _time;
        o.SessionIdleTimeout = IdleTimeout;
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private AgentService.AgentServiceClient Client => _server.Client;

    private static CallOptions Bounded => new(cancellationToken: Bound.Token());

    private async Task<SessionStatus> StoredStatusAsync(string sessionId) =>
        (await _server.Service<IAuditStore>().FindSessionAsync(sessionId))?.Status ?? SessionStatus.Unspecified;

    [Fact]
    public async Task CreateSession_without_an_id_creates_an_active_session_with_a_uuid()
    {
        var created = await Client.CreateSessionAsync(new CreateSessionRequest
        {
            Agent = "claude",
            AgentSessionId = "abc-123",
            Cwd = "/tmp/project",
            User = "dev",
            Hostname = "box",
            SidecarVersion = "test",
        }, Bounded);

        Assert.True(Guid.TryParse(created.SessionId, out _), created.SessionId);
        Assert.False(created.Resumed);
        Assert.Equal(SessionStatus.Active, created.Status);
        var stored = await _server.Service<IAuditStore>().FindSessionAsync(created.SessionId);
        Assert.NotNull(stored);
        Assert.Equal(("claude", "abc-123", "/tmp/project", "dev"), (stored.Agent, stored.AgentSessionId, stored.Cwd, stored.User));
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), stored.CreatedAtMs);
    }

    [Fact]
    public async Task CreateSession_with_a_known_id_resumes_it()
    {
        var id = Guid.NewGuid().ToString();

        var first = await Client.CreateSessionAsync(new CreateSessionRequest { SessionId = id, Agent = "claude" }, Bounded);
        var again = await Client.CreateSessionAsync(new CreateSessionRequest { SessionId = id, Agent = "claude" }, Bounded);

        Assert.Equal((id, false, SessionStatus.Active), (first.SessionId, first.Resumed, first.Status));
        Assert.Equal((id, true, SessionStatus.Active), (again.SessionId, again.Resumed, again.Status));
    }

    [Fact]
    public async Task CreateSession_with_an_id_that_is_not_a_uuid_is_refused()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateSessionAsync(new CreateSessionRequest { SessionId = "not-a-uuid" }, Bounded).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task Heartbeat_and_EndSession_on_an_unknown_session_are_NotFound()
    {
        var heartbeat = await Assert.ThrowsAsync<RpcException>(() =>
            Client.HeartbeatAsync(new HeartbeatRequest { SessionId = Guid.NewGuid().ToString() }, Bounded).ResponseAsync);
        var end = await Assert.ThrowsAsync<RpcException>(() =>
            Client.EndSessionAsync(new EndSessionRequest { SessionId = Guid.NewGuid().ToString() }, Bounded).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, heartbeat.StatusCode);
        Assert.Equal(StatusCode.NotFound, end.StatusCode);
    }

    [Fact]
    public async Task Heartbeat_keeps_a_session_active_and_moves_last_seen()
    {
        var id = (await Client.CreateSessionAsync(new CreateSessionRequest(), Bounded)).SessionId;
        _time.Advance(TimeSpan.FromSeconds(5));

        var beat = await Client.HeartbeatAsync(new HeartbeatRequest { SessionId = id }, Bounded);

        Assert.Equal(SessionStatus.Active, beat.Status);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), (await _server.Service<IAuditStore>().FindSessionAsync(id))!.LastSeenMs);
    }

    [Fact]
    public async Task An_ended_session_stays_ended()
    {
        var id = (await Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }, Bounded)).SessionId;

        var ended = await Client.EndSessionAsync(new EndSessionRequest { SessionId = id, Reason = "agent exited" }, Bounded);
        var beat = await Client.HeartbeatAsync(new HeartbeatRequest { SessionId = id }, Bounded);
        var recreated = await Client.CreateSessionAsync(new CreateSessionRequest { SessionId = id, Agent = "claude" }, Bounded);
        var endedAgain = await Client.EndSessionAsync(new EndSessionRequest { SessionId = id }, Bounded);
        await using (var stream = await _server.OpenStreamAsync(id))
        {
            await stream.NextSnapshotAsync();
            await stream.RoundTripAsync();
        }
        _time.Advance(IdleTimeout + TimeSpan.FromSeconds(1));
        _server.Service<SessionTracker>().Sweep();

        Assert.Equal(SessionStatus.Ended, ended.Status);
        Assert.Equal(SessionStatus.Ended, beat.Status);
        Assert.Equal((true, SessionStatus.Ended), (recreated.Resumed, recreated.Status));
        Assert.Equal(SessionStatus.Ended, endedAgain.Status);
        Assert.Equal(SessionStatus.Ended, await StoredStatusAsync(id));
    }

    [Fact]
    public async Task The_sweep_marks_a_silent_session_disconnected_but_not_one_with_an_open_stream()
    {
        var silent = (await Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }, Bounded)).SessionId;
        var streaming = (await Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }, Bounded)).SessionId;
        var recent = (await Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }, Bounded)).SessionId;
        await using var stream = await _server.OpenStreamAsync(streaming);
        await stream.NextSnapshotAsync();
        await stream.RoundTripAsync(); // the Open before the Ping is handled: the stream is counted

        _time.Advance(IdleTimeout - TimeSpan.FromSeconds(1));
        await Client.HeartbeatAsync(new HeartbeatRequest { SessionId = recent }, Bounded);
        _time.Advance(TimeSpan.FromSeconds(2));
        // The tracker's own timer may sweep too as time advances; the outcome is the same either way.
        _server.Service<SessionTracker>().Sweep();

        Assert.Equal(SessionStatus.Disconnected, await StoredStatusAsync(silent));
        Assert.Equal(SessionStatus.Active, await StoredStatusAsync(streaming));
        Assert.Equal(SessionStatus.Active, await StoredStatusAsync(recent));

        // A heartbeat brings a disconnected session back.
        var back = await Client.HeartbeatAsync(new HeartbeatRequest { SessionId = silent }, Bounded);
        Assert.Equal(SessionStatus.Active, back.Status);
    }

    [Fact]
    public async Task A_session_whose_stream_closed_is_swept_once_it_is_silent()
    {
        var id = (await Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }, Bounded)).SessionId;
        var tracker = _server.Service<SessionTracker>();
        await using (var stream = await _server.OpenStreamAsync(id))
        {
            await stream.NextSnapshotAsync();
            await stream.RoundTripAsync();
            Assert.Equal(1, tracker.OpenStreamCount);
        }
        // Disposing waited for the end of the response stream, which the server sends after it counted the stream closed.
        Assert.Equal(0, tracker.OpenStreamCount);

        _time.Advance(IdleTimeout + TimeSpan.FromSeconds(1));
        tracker.Sweep();

        Assert.Equal(SessionStatus.Disconnected, await StoredStatusAsync(id));
    }
}
