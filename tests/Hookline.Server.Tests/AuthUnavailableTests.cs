using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Hookline.Contracts.V1;
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
        _database = await TestDatabase.CreateAsync();
        var database = _database;
        _server = await TestServer.StartAsync(Policies.Standard, o =>
        {
            o.Postgres = database.ConnectionString;
            o.HttpListen = "http://127.0.0.1:0";
            o.Auth = ServerAuthMode.Required;
        });
        var location = new AuditLocation("/nonexistent-hookline-data", _database.ConnectionString);
        var sidecar = Tokens.Create(location, "laptop", TokenScope.Sidecar, "alice", "acme").Token;
        var reader = Tokens.Create(location, "grafana", TokenScope.Read, null, null).Token;
        var client = new AgentService.AgentServiceClient(_server.Channel.CreateCallInvoker().Intercept(m =>
        {
            m.Add("authorization", "Bearer " + sidecar);
            return m;
        }));
        using var http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress! + "/"), Timeout = Bound.Hang };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", reader);
        Assert.True((await client.CreateSessionAsync(NewSession(), deadline: Deadline())).Authenticated);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("metrics")).StatusCode);

        // The database disappears under the running server (its connections are closed with it).
        await using (var admin = new NpgsqlConnection(TestDatabase.Admin()))
        {
            await admin.OpenAsync();
            var name = new NpgsqlConnectionStringBuilder(_database.ConnectionString).Database;
            await using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE);", admin);
            await drop.ExecuteNonQueryAsync();
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(NewSession(), deadline: Deadline()).ResponseAsync);
        Assert.Equal((StatusCode.Unavailable, "server unavailable, retry"), (refused.StatusCode, refused.Status.Detail));
        using var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("server unavailable, retry\n", await response.Content.ReadAsStringAsync());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    private static CreateSessionRequest NewSession() => new() { SessionId = Guid.NewGuid().ToString(), Agent = "claude" };

    private static DateTime Deadline() => DateTime.UtcNow + Bound.Hang;
}
