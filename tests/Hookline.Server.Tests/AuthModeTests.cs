using Hookline.Server.Internal.Hosting;
using Hookline.Server.Internal;

namespace Hookline.Server.Tests;

/// <summary>When authentication is required: beyond loopback by default, and never off there unless forced.</summary>
public sealed class AuthModeTests
{
    private static bool Resolve(string listen, string? httpListen, ServerAuthMode? mode, bool insecure = false)
        => HooklineServer.ResolveAuth(new HooklineServerOptions { Auth = mode, Insecure = insecure },
            ListenAddress.Parse(listen, "--listen"), httpListen is null ? null : ListenAddress.Parse(httpListen, "--http-listen"), tls: null);

    [Theory]
    [InlineData("http://127.0.0.1:7420", "http://127.0.0.1:7421", false)]
    [InlineData("http://[::1]:7420", null, false)]
    [InlineData("unix:/run/hookline/grpc.sock", null, false)]
    [InlineData("http://0.0.0.0:7420", "http://127.0.0.1:7421", true)]
    [InlineData("http://127.0.0.1:7420", "http://10.1.2.3:7421", true)]
    public void Without_a_choice_auth_is_required_exactly_when_an_endpoint_is_beyond_loopback(string listen, string? http, bool required)
        => Assert.Equal(required, Resolve(listen, http, mode: null));

    [Fact]
    public void Auth_off_beyond_loopback_is_refused_unless_insecure_is_given()
    {
        var refused = Assert.Throws<ArgumentException>(() => Resolve("http://0.0.0.0:7420", null, ServerAuthMode.Off));

        Assert.Contains("--insecure", refused.Message);
        Assert.False(Resolve("http://0.0.0.0:7420", null, ServerAuthMode.Off, insecure: true));
        Assert.True(Resolve("http://127.0.0.1:7420", null, ServerAuthMode.Required));
    }

    [Fact]
    public async Task A_server_refused_for_auth_off_beyond_loopback_binds_nothing()
    {
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => TestServer.StartAsync(Policies.Standard, o =>
        {
            o.Listen = "http://0.0.0.0:0";
            o.Auth = ServerAuthMode.Off;
        }));

        Assert.Contains("beyond loopback", refused.Message);
    }
}

/// <summary>Without authentication, the user is what the sidecar claims, and the audit trail says it was only claimed.</summary>
public sealed class UnauthenticatedIdentityTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Policies.Standard);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_sidecars_os_user_is_recorded_as_unauthenticated()
    {
        var sessionId = Guid.NewGuid().ToString();

        var created = await _server.Client.CreateSessionAsync(new Contracts.V1.CreateSessionRequest { SessionId = sessionId, Agent = "claude", User = "dev" });
        await using var stream = await _server.OpenStreamAsync(sessionId);
        await stream.NextSnapshotAsync();
        var hookEvent = Events.Bash("ls", sessionId);
        hookEvent.User = created.User;
        await stream.DecideAsync(hookEvent);
        await stream.ReadUntilStoredAsync(hookEvent.EventId);

        Assert.False(_server.Server.AuthRequired);
        Assert.Equal(("dev", false), (created.User, created.Authenticated));
        var stored = Assert.Single((await AuditTrail.ReadEventsAsync(Path.GetDirectoryName(_server.Server.DatabasePath)!, sessionId)));
        Assert.Equal(("dev", "", false), (stored.User, stored.Org, stored.Authenticated));
        var session = Assert.Single((await AuditTrail.ReadSessionsAsync(Path.GetDirectoryName(_server.Server.DatabasePath)!)));
        Assert.Equal(("dev", false), (session.User, session.Authenticated));
    }
}
