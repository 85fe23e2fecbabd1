using System.Net.Http.Headers;
using System.Net;
using Grpc.Core.Interceptors;
using Grpc.Core;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>Tokens in the PostgreSQL database two replicas share: made anywhere, honoured and revoked everywhere.</summary>
public sealed class ReplicaTokenTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private TestDatabase _database = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private AuditLocation Location => new("/nonexistent-hookline-data", _database.ConnectionString);

    private async Task<TestServer> ReplicaAsync()
    {
        _database ??= await TestDatabase.CreateAsync();
        var server = await TestServer.StartAsync(Policies.Standard, o =>
        {
            o.Postgres = _database.ConnectionString;
            o.HttpListen = "http://127.0.0.1:0";
            o.Auth = ServerAuthMode.Required;
        });
        server.Database = _database;
        _owned.Add(server);
        return server;
    }

    private static AgentService.AgentServiceClient ClientOf(TestServer replica, string token)
        => new(replica.Channel.CreateCallInvoker().Intercept(m =>
        {
            m.Add("authorization", "Bearer " + token);
            return m;
        }));

    private static HttpClient AdminHttp(TestServer replica, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(replica.Server.HttpAddress! + "/"), Timeout = Bound.Hang };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<StreamClient> OpenAsync(TestServer replica, string token)
    {
        var stream = new StreamClient(ClientOf(replica, token).ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString(), SidecarVersion = "test" } });
        await stream.NextSnapshotAsync();
        return stream;
    }

    [SkippableFact]
    public async Task A_token_made_on_the_database_authenticates_on_every_replica_with_its_identity()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();

        // What `hookline token create --postgres ...` does: no server involved.
        var created = Tokens.Create(Location, "laptop", TokenScope.Sidecar, "alice", "acme");
        var onFirst = await ClientOf(first, created.Token).CreateSessionAsync(new CreateSessionRequest { SessionId = Guid.NewGuid().ToString(), Agent = "claude" });
        var onSecond = await ClientOf(second, created.Token).CreateSessionAsync(new CreateSessionRequest { SessionId = Guid.NewGuid().ToString(), Agent = "claude" });

        Assert.Equal(("alice", "acme", true), (onFirst.User, onFirst.Org, onFirst.Authenticated));
        Assert.Equal(("alice", "acme", true), (onSecond.User, onSecond.Org, onSecond.Authenticated));
        var listed = Assert.Single(Tokens.List(Location));
        Assert.Equal((created.Info.Id, "laptop", "sidecar"), (listed.Id, listed.Name, listed.Scope));
    }

    [SkippableFact]
    public async Task A_token_made_through_one_replicas_admin_endpoint_is_known_to_the_other()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        var admin = Tokens.Create(Location, "root", TokenScope.Admin, null, null).Token;
        using var http = AdminHttp(first, admin);

        using var response = await http.PostAsync("api/tokens", new StringContent(
            """{"name":"ci","scope":"sidecar","user":"ci-bot","org":"acme"}""", System.Text.Encoding.UTF8, "application/json"));
        var token = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        var decision = await ClientOf(second, token).DecideOnceAsync(Events.Bash("git status"));
        var duplicate = Assert.Throws<ArgumentException>(() => Tokens.Create(Location, "ci", TokenScope.Read, null, null));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(Verdict.Allow, decision.Verdict);
        Assert.Contains("exists already", duplicate.Message);
    }

    [SkippableFact]
    public async Task Revoking_through_one_replica_closes_the_tokens_stream_on_the_other_and_refuses_it_everywhere()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        var admin = Tokens.Create(Location, "root", TokenScope.Admin, null, null).Token;
        var sidecar = Tokens.Create(Location, "laptop-2", TokenScope.Sidecar, "bob", null);
        await using var onSecond = await OpenAsync(second, sidecar.Token);
        await onSecond.RoundTripAsync();
        using var http = AdminHttp(first, admin);

        using var revoke = await http.DeleteAsync("api/tokens/laptop-2");
        // The second replica learns of it on its next poll of the shared table (every second).
        var reason = await onSecond.ClosedAsync().WaitAsync(Bound.Hang);
        var reopened = await Assert.ThrowsAsync<RpcException>(() => ClientOf(first, sidecar.Token).DecideOnceAsync(Events.Bash("ls")).ResponseAsync);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(reason).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, reopened.StatusCode);
        Assert.NotNull(Assert.Single(Tokens.List(Location), t => t.Name == "laptop-2").RevokedAt);
    }

    [SkippableFact]
    public async Task A_revoked_token_is_refused_on_the_next_unary_call_at_once_here_and_after_the_next_poll_on_the_other_replica()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        var admin = Tokens.Create(Location, "root", TokenScope.Admin, null, null).Token;
        var sidecar = Tokens.Create(Location, "laptop-4", TokenScope.Sidecar, "erin", null);
        var onFirst = ClientOf(first, sidecar.Token);
        var onSecond = ClientOf(second, sidecar.Token);
        var before = (Lookups(first), Lookups(second));
        for (var i = 0; i < 5; i++)
        {
            await onFirst.DecideOnceAsync(Events.Bash("ls"));
            await onSecond.DecideOnceAsync(Events.Bash("ls"));
        }
        // Five calls on each replica, one database round trip each for the token.
        Assert.Equal((1L, 1L), (Lookups(first) - before.Item1, Lookups(second) - before.Item2));
        using var http = AdminHttp(first, admin);

        using var revoke = await http.DeleteAsync("api/tokens/laptop-4");
        var here = await Assert.ThrowsAsync<RpcException>(() => onFirst.DecideOnceAsync(Events.Bash("ls")).ResponseAsync);
        // What the other replica's watcher does every second.
        second.Watcher.Poll();
        var there = await Assert.ThrowsAsync<RpcException>(() => onSecond.DecideOnceAsync(Events.Bash("ls")).ResponseAsync);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal((StatusCode.Unauthenticated, StatusCode.Unauthenticated), (here.StatusCode, there.StatusCode));
    }

    private static long Lookups(TestServer replica) => replica.Service<Internal.Auth.TokenCache>().StoreLookups;

    [SkippableFact]
    public async Task Revoking_on_the_database_without_a_server_closes_open_streams_on_both_replicas()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        var sidecar = Tokens.Create(Location, "laptop-3", TokenScope.Sidecar, "carol", null);
        await using var onFirst = await OpenAsync(first, sidecar.Token);
        await using var onSecond = await OpenAsync(second, sidecar.Token);

        Assert.NotNull(await Tokens.RevokeAsync(Location, sidecar.Info.Id));

        Assert.IsType<RpcException>(await onFirst.ClosedAsync().WaitAsync(Bound.Hang));
        Assert.IsType<RpcException>(await onSecond.ClosedAsync().WaitAsync(Bound.Hang));
        Assert.Null(await Tokens.RevokeAsync(Location, sidecar.Info.Id));
    }

    [SkippableFact]
    public async Task Only_the_hash_of_a_token_is_stored_in_the_database()
    {
        var replica = await ReplicaAsync();
        var created = Tokens.Create(Location, "scan-me", TokenScope.Sidecar, "dave", "acme");
        await ClientOf(replica, created.Token).DecideOnceAsync(Events.Bash("ls"));

        // Every column of every row as text, the hash in hex, base64 and escaped bytes: the secret is in none of them.
        var rows = await _database.ScalarAsync<string>(
            "SELECT string_agg(t::text || ' ' || encode(t.hash, 'base64') || ' ' || encode(t.hash, 'escape'), E'\\n') FROM tokens t");
        var secret = created.Token[Tokens.Prefix.Length..];
        Assert.DoesNotContain(secret, rows);
        Assert.DoesNotContain(secret[..16], rows);
        Assert.Equal(Tokens.Hash(created.Token), await _database.ScalarAsync<byte[]>("SELECT hash FROM tokens WHERE name = 'scan-me'"));
    }
}
