using System.Net.Http.Headers;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>Tokens on every RPC, the stream and the HTTP endpoints of a real server with --auth required.</summary>
public sealed partial class AuthTests : IAsyncLifetime
{
    private const string Policy = """
        version: 1
        default: allow
        rules:
          - id: interns-no-push
            effect: deny
            match: "Bash(git push *)"
            when: {field: user, one_of: [intern]}
            reason: "Interns do not push"
          - id: contractors-no-kubectl
            effect: deny
            match: "Bash(kubectl *)"
            when: {field: org, one_of: [contractors]}
            reason: "Contractors do not touch the cluster"
        """;

    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;
    private string _data = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_dir, Policy, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.HttpListen = "http://127.0.0.1:0";
            o.TimeProvider = _time;
        });
        _data = _dir.File("data");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string NewToken(string scope, string? user = null, string? org = null, string? name = null)
        => Tokens.Create(_data, name ?? scope + "-" + Guid.NewGuid().ToString("N")[..8], Tokens.ParseScope(scope), user, org).Token;

    private AgentService.AgentServiceClient ClientWith(string? token) => _server.ClientWith(token);

    private static CreateSessionRequest NewSession() => new() { SessionId = Guid.NewGuid().ToString(), Agent = "claude", User = "claimed-os-user" };

    public static TheoryData<string> Refused => new() { "missing", "unknown", "revoked", "malformed" };

    private async Task<string?> PresentedAsync(string kind) => kind switch
    {
        "missing" => null,
        "unknown" => Tokens.NewSecret(),
        "revoked" => await RevokedTokenAsync(),
        _ => "not-a-bearer-token-at-all",
    };

    private async Task<string> RevokedTokenAsync()
    {
        var created = Tokens.Create(_data, "gone-" + Guid.NewGuid().ToString("N")[..8], TokenScope.Sidecar, null, null);
        Assert.NotNull(await Tokens.RevokeAsync(_data, created.Info.Name));
        return created.Token;
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Unary_calls_without_a_valid_token_are_unauthenticated_and_say_nothing_more(string kind)
    {
        var client = ClientWith(await PresentedAsync(kind));

        var create = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(NewSession()).ResponseAsync);
        var heartbeat = await Assert.ThrowsAsync<RpcException>(() => client.HeartbeatAsync(new HeartbeatRequest { SessionId = Guid.NewGuid().ToString() }).ResponseAsync);
        var decide = await Assert.ThrowsAsync<RpcException>(() => client.DecideOnceAsync(Events.Bash("ls")).ResponseAsync);

        foreach (var refused in new[] { create, heartbeat, decide })
        {
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            // Missing, unknown and revoked look alike: nothing tells a prober which one it hit.
            Assert.Equal(Authenticator.UnauthenticatedDetail, refused.Status.Detail);
        }
        Assert.Equal(0L, await _server.ScalarAsync<long>("SELECT COUNT(*) FROM sessions"));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_stream_without_a_valid_token_is_unauthenticated_before_any_snapshot(string kind)
    {
        using var call = ClientWith(await PresentedAsync(kind)).ProcessHookEvent();

        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext().WaitAsync(Bound.Hang));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(Authenticator.UnauthenticatedDetail, refused.Status.Detail);
    }

    [Theory]
    [InlineData("read")]
    [InlineData("admin")]
    public async Task A_token_of_another_scope_is_denied_permission_on_rpcs_and_the_stream(string scope)
    {
        var client = ClientWith(NewToken(scope));

        var unary = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(NewSession()).ResponseAsync);
        using var call = client.ProcessHookEvent();
        var stream = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext().WaitAsync(Bound.Hang));

        Assert.Equal(StatusCode.PermissionDenied, unary.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, stream.StatusCode);
        Assert.Equal(Authenticator.ForbiddenDetail, stream.Status.Detail);
    }

    [Fact]
    public async Task A_sidecar_token_opens_a_session_and_a_stream_and_its_identity_replaces_what_the_sidecar_claims()
    {
        var client = ClientWith(NewToken("sidecar", user: "intern", org: "acme"));
        var request = NewSession();

        var created = await client.CreateSessionAsync(request);
        await using var stream = new StreamClient(client.ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = request.SessionId, SidecarVersion = "test" } });
        await stream.NextSnapshotAsync();
        var push = Events.Bash("git push origin main", request.SessionId);
        push.User = "admin-of-everything";
        var decision = await stream.DecideAsync(push);
        await stream.ReadUntilStoredAsync(push.EventId);

        Assert.Equal(("intern", "acme", true), (created.User, created.Org, created.Authenticated));
        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal(["interns-no-push"], decision.RuleIds);
        var events = await AuditTrail.ReadEventsAsync(_data, request.SessionId);
        var stored = Assert.Single(events);
        Assert.Equal(("intern", "acme", true), (stored.User, stored.Org, stored.Authenticated));
        var session = Assert.Single((await AuditTrail.ReadSessionsAsync(_data)), s => s.SessionId == request.SessionId);
        Assert.Equal(("intern", "acme", true), (session.User, session.Org, session.Authenticated));
    }

    [Fact]
    public async Task The_org_of_the_token_decides_and_is_recorded_whatever_the_event_claims()
    {
        var (denied, deniedEvent) = await DecideOnStreamAsync(NewToken("sidecar", user: "bob", org: "contractors"), claimedOrg: "platform");
        var (allowed, allowedEvent) = await DecideOnStreamAsync(NewToken("sidecar", user: "bob", org: "platform"), claimedOrg: "contractors");

        Assert.Equal((Verdict.Deny, "contractors-no-kubectl"), (denied.Verdict, Assert.Single(denied.RuleIds)));
        Assert.Equal(Verdict.Allow, allowed.Verdict);
        var stored = (await AuditTrail.ReadEventsAsync(_data)).ToDictionary(e => e.EventId);
        Assert.Equal(("contractors", "deny", true), (stored[deniedEvent].Org, stored[deniedEvent].Decision, stored[deniedEvent].Authenticated));
        Assert.Equal(("platform", "allow", true), (stored[allowedEvent].Org, stored[allowedEvent].Decision, stored[allowedEvent].Authenticated));
    }

    /// <summary>One kubectl command on a stream of <paramref name="token"/>; the event claims another org, which a sidecar cannot make stick.</summary>
    private async Task<(Decision Decision, string EventId)> DecideOnStreamAsync(string token, string claimedOrg)
    {
        var session = Guid.NewGuid().ToString();
        await using var stream = new StreamClient(ClientWith(token).ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = session, SidecarVersion = "test" } });
        await stream.NextSnapshotAsync();
        var hookEvent = Events.Bash("kubectl delete pod web-1", session);
        hookEvent.Org = claimedOrg;
        var decision = await stream.DecideAsync(hookEvent);
        await stream.ReadUntilStoredAsync(hookEvent.EventId);
        return (decision, hookEvent.EventId);
    }

    [Fact]
    public async Task The_same_command_from_another_users_token_is_allowed()
    {
        var client = ClientWith(NewToken("sidecar", user: "senior"));

        var decision = await client.DecideOnceAsync(Events.Bash("git push origin main"));

        Assert.Equal(Verdict.Allow, decision.Verdict);
    }

    [Fact]
    public async Task Revoking_through_the_admin_endpoint_closes_the_tokens_open_stream_at_once()
    {
        var sidecar = Tokens.Create(_data, "laptop-1", TokenScope.Sidecar, "alice", null);
        await using var stream = new StreamClient(ClientWith(sidecar.Token).ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString() } });
        await stream.NextSnapshotAsync();
        using var http = Http(NewToken("admin"));

        using var revoke = await http.DeleteAsync("api/tokens/laptop-1");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        var reason = await stream.ClosedAsync().WaitAsync(Bound.Hang);
        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(reason).StatusCode);
    }

    [Fact]
    public async Task Revoking_in_the_database_from_another_process_closes_the_stream_on_the_next_poll()
    {
        var sidecar = Tokens.Create(_data, "laptop-2", TokenScope.Sidecar, "bob", null);
        await using var stream = new StreamClient(ClientWith(sidecar.Token).ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString() } });
        await stream.NextSnapshotAsync();
        await stream.RoundTripAsync();

        // What `hookline token revoke --data DIR` does: a write to the database, not a word to the server.
        Assert.NotNull(await Tokens.RevokeAsync(_data, sidecar.Info.Id));
        var closed = stream.ClosedAsync();
        // The watcher polls every second of the injected clock; tick until it has (its timer may not be armed yet).
        var giveUp = DateTime.UtcNow + Bound.Hang;
        while (!closed.IsCompleted && DateTime.UtcNow < giveUp)
        {
            _time.Advance(RevocationWatcher.Interval);
            await Task.WhenAny(closed, Task.Delay(20));
        }

        var reason = await closed.WaitAsync(Bound.Hang);
        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(reason).StatusCode);
    }

    [Fact]
    public async Task A_repeated_call_is_checked_in_the_store_once_and_a_revocation_in_the_database_refuses_it_after_the_next_poll()
    {
        var cache = _server.Service<TokenCache>();
        var sidecar = Tokens.Create(_data, "laptop-3", TokenScope.Sidecar, "bob", null);
        var client = ClientWith(sidecar.Token);
        var before = cache.StoreLookups;
        for (var i = 0; i < 5; i++)
        {
            await client.DecideOnceAsync(Events.Bash("ls"));
        }
        await client.CreateSessionAsync(NewSession());
        var lookups = cache.StoreLookups - before;

        Assert.NotNull(await Tokens.RevokeAsync(_data, sidecar.Info.Id));
        // What the watcher does every second (the clock here has not moved, so no cache entry went stale).
        _server.Watcher.Poll();
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.DecideOnceAsync(Events.Bash("ls")).ResponseAsync);

        Assert.Equal(1, lookups);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task A_cached_check_keeps_the_tokens_scope_exact_over_http_and_grpc()
    {
        var cache = _server.Service<TokenCache>();
        var read = NewToken("read");
        using var http = Http(read);
        var before = cache.StoreLookups;

        using var metrics = await http.GetAsync("metrics");
        using var again = await http.GetAsync("metrics");
        using var tokens = await http.GetAsync("api/tokens");
        var decide = await Assert.ThrowsAsync<RpcException>(() => ClientWith(read).DecideOnceAsync(Events.Bash("ls")).ResponseAsync);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (metrics.StatusCode, again.StatusCode));
        Assert.Equal(HttpStatusCode.Forbidden, tokens.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, decide.StatusCode);
        Assert.Equal(1, cache.StoreLookups - before);
    }

    private HttpClient Http(string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress! + "/"), Timeout = Bound.Hang };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    [Theory]
    [InlineData(null, "GET", "metrics", HttpStatusCode.Unauthorized)]
    [InlineData("sidecar", "GET", "metrics", HttpStatusCode.Forbidden)]
    [InlineData("read", "GET", "metrics", HttpStatusCode.OK)]
    [InlineData("admin", "GET", "metrics", HttpStatusCode.OK)]
    [InlineData(null, "GET", "healthz", HttpStatusCode.OK)]
    [InlineData("read", "GET", "api/tokens", HttpStatusCode.Forbidden)]
    [InlineData("read", "GET", "API/TOKENS", HttpStatusCode.Forbidden)]
    [InlineData("read", "GET", "Api/Tokens/", HttpStatusCode.Forbidden)]
    [InlineData("read", "POST", "api/anything", HttpStatusCode.Forbidden)]
    [InlineData("admin", "GET", "api/tokens", HttpStatusCode.OK)]
    [InlineData("unknown", "GET", "metrics", HttpStatusCode.Unauthorized)]
    public async Task Http_endpoints_need_read_for_viewing_and_admin_for_changes(string? scope, string method, string path, HttpStatusCode expected)
    {
        using var http = Http(scope switch { null => null, "unknown" => Tokens.NewSecret(), _ => NewToken(scope) });

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Fact]
    public async Task An_admin_creates_lists_and_revokes_tokens_over_http_and_only_a_hash_is_stored()
    {
        using var http = Http(NewToken("admin"));

        using var created = await http.PostAsync("api/tokens", new StringContent(
            """{"name":"ci","scope":"sidecar","user":"ci-bot","org":"acme"}""", System.Text.Encoding.UTF8, "application/json"));
        var body = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var token = body.GetProperty("token").GetString()!;
        var listed = await http.GetStringAsync("api/tokens");
        var decision = await ClientWith(token).DecideOnceAsync(Events.Bash("ls"));
        using var revoked = await http.DeleteAsync("api/tokens/ci");
        var afterRevoke = await Assert.ThrowsAsync<RpcException>(() => ClientWith(token).DecideOnceAsync(Events.Bash("ls")).ResponseAsync);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith(Tokens.Prefix, token);
        Assert.Contains("\"ci-bot\"", listed);
        Assert.DoesNotContain(token, listed);
        Assert.Equal(Verdict.Allow, decision.Verdict);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, afterRevoke.StatusCode);
        var raw = await File.ReadAllBytesAsync(_server.Server.DatabasePath);
        Assert.False(raw.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(token)) >= 0, "the secret itself is in the database file");
    }

    [Fact]
    public async Task A_bad_token_request_gets_a_clear_400()
    {
        using var http = Http(NewToken("admin"));

        using var response = await http.PostAsync("api/tokens", new StringContent(
            """{"name":"x","scope":"superuser"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("scope must be sidecar, read, admin or approve", await response.Content.ReadAsStringAsync());
    }
}
