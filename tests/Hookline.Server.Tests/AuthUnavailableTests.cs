using System.Net.Http.Headers;
using System.Net;
using Grpc.Core.Interceptors;
using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Npgsql;

namespace Hookline.Server.Tests;

/// <summary>
/// A token store that cannot be reached is "server unavailable, retry" to the caller (gRPC Unavailable, HTTP 503),
/// not an internal error, and says nothing of why.
/// </summary>
public sealed class AuthUnavailableTests : IAsyncLifetime
{
    private TestDatabase? _database;
    private TestServer? _server;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task A_database_gone_away_answers_unavailable_on_grpc_and_503_on_http()
    {
        // Every call asks the token store, so the refusal comes from the token check itself.
        var (location, client) = await StartAsync(TimeSpan.Zero);
        var reader = Tokens.Create(location, "grafana", TokenScope.Read, null, null).Token;
        using var http = new HttpClient { BaseAddress = new Uri(_server!.Server.HttpAddress! + "/"), Timeout = Bound.Hang };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", reader);
        Assert.True((await client.CreateSessionAsync(NewSession(), deadline: Deadline())).Authenticated);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("metrics")).StatusCode);

        await DropDatabaseAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(NewSession(), deadline: Deadline()).ResponseAsync);
        Assert.Equal((StatusCode.Unavailable, "server unavailable, retry"), (refused.StatusCode, refused.Status.Detail));
        using var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("server unavailable, retry\n", await response.Content.ReadAsStringAsync());
        Assert.NotNull(response.Headers.RetryAfter);
        // Signing in to the dashboard says "try again", not "wrong token".
        using var login = await http.PostAsync("ui/login", new FormUrlEncodedContent([new("token", reader)]));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, login.StatusCode);
        Assert.Contains("cannot check tokens right now", await login.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_call_past_a_cached_token_check_answers_unavailable_when_its_handler_finds_the_database_gone()
    {
        var (location, client) = await StartAsync(TokenCache.DefaultLifetime);
        var admin = Tokens.Create(location, "ops", TokenScope.Admin, null, null).Token;
        using var http = new HttpClient { BaseAddress = new Uri(_server!.Server.HttpAddress! + "/"), Timeout = Bound.Hang };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/events")).StatusCode);
        Assert.True((await client.CreateSessionAsync(NewSession(), deadline: Deadline())).Authenticated);

        await DropDatabaseAsync();

        // The token check is answered from the cache; the session is not: the store fails inside the handler.
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(NewSession(), deadline: Deadline()).ResponseAsync);
        Assert.Equal((StatusCode.Unavailable, "server unavailable, retry"), (refused.StatusCode, refused.Status.Detail));
        // The same over HTTP: the admin's token check is cached, the endpoints' own reads fail.
        foreach (var path in new[] { "api/tokens", "api/events" })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "server unavailable, retry\n"),
                (response.StatusCode, await response.Content.ReadAsStringAsync()));
            Assert.NotNull(response.Headers.RetryAfter);
        }
    }

    /// <summary>A PostgreSQL-backed server requiring tokens, and a client holding a sidecar token for it.</summary>
    private async Task<(AuditLocation Location, AgentService.AgentServiceClient Client)> StartAsync(TimeSpan tokenCache)
    {
        _database = await TestDatabase.CreateAsync();
        var database = _database;
        _server = await TestServer.StartAsync(Policies.Standard, o =>
        {
            o.Postgres = database.ConnectionString;
            o.HttpListen = "http://127.0.0.1:0";
            o.Auth = ServerAuthMode.Required;
            o.TokenCacheLifetime = tokenCache;
        });
        var location = new AuditLocation("/nonexistent-hookline-data", database.ConnectionString);
        var sidecar = Tokens.Create(location, "laptop", TokenScope.Sidecar, "alice", "acme").Token;
        return (location, new AgentService.AgentServiceClient(_server.Channel.CreateCallInvoker().Intercept(m =>
        {
            m.Add("authorization", "Bearer " + sidecar);
            return m;
        })));
    }

    /// <summary>The database disappears under the running server (its connections are closed with it).</summary>
    private async Task DropDatabaseAsync()
    {
        await using var admin = new NpgsqlConnection(TestDatabase.Admin());
        await admin.OpenAsync();
        var name = new NpgsqlConnectionStringBuilder(_database!.ConnectionString).Database;
        await using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE);", admin);
        await drop.ExecuteNonQueryAsync();
    }

    private static CreateSessionRequest NewSession() => new() { SessionId = Guid.NewGuid().ToString(), Agent = "claude" };

    private static DateTime Deadline() => DateTime.UtcNow + Bound.Hang;
}
