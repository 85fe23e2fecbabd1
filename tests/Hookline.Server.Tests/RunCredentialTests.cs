using System.Net.Http.Headers;
using System.Net;
using Grpc.Core;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>
/// <c>hookline start</c>'s embedded server: no gRPC listener, tokens required, and two in-memory credentials for the
/// run (its in-process sidecar's and the dashboard's) that are never stored.
/// </summary>
public sealed class RunCredentialTests : IAsyncLifetime
{
    private readonly RunCredential _sidecar = RunCredential.Create("start-sidecar", TokenScope.Sidecar);
    private readonly RunCredential _dashboard = RunCredential.Create("start-dashboard", TokenScope.Read);
    private readonly TempDir _dir = new();
    private HooklineServer _server = null!;

    public async Task InitializeAsync()
    {
        var policy = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        // TestServer dials the gRPC address; this server has none.
        var options = TestServer.Options(_dir, policy);
        options.Listen = "";
        options.HttpListen = "http://127.0.0.1:0";
        options.Auth = ServerAuthMode.Required;
        options.RunCredentials.Add(_sidecar);
        options.RunCredentials.Add(_dashboard);
        _server = await HooklineServer.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private AgentService.AgentServiceClient InProcess(string token) => new(Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(
        _server.CreateInProcessInvoker(), m =>
        {
            m.Add("authorization", "Bearer " + token);
            return m;
        }));

    private HttpClient Http(string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri(_server.HttpAddress! + "/"), Timeout = Bound.Hang };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    [Fact]
    public async Task Only_the_http_port_listens_and_the_run_credentials_work_in_their_scopes()
    {
        var session = await InProcess(_sidecar.Secret).CreateSessionAsync(new CreateSessionRequest { Agent = "claude" });
        var dashboardOnRpc = await Assert.ThrowsAsync<RpcException>(() => InProcess(_dashboard.Secret).CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }).ResponseAsync);
        using var anonymous = Http(null);
        using var sidecarOnHttp = Http(_sidecar.Secret);
        using var dashboard = Http(_dashboard.Secret);

        Assert.Equal(HooklineServer.InProcessAddress, _server.GrpcAddress);
        Assert.False(string.IsNullOrEmpty(session.SessionId));
        Assert.Equal(StatusCode.PermissionDenied, dashboardOnRpc.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/events")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sidecarOnHttp.GetAsync("api/events")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await dashboard.GetAsync("api/events")).StatusCode);
        // Read scope, as hookline start makes it: it reads, and administers nothing.
        Assert.Equal(HttpStatusCode.Forbidden, (await dashboard.GetAsync("api/tokens")).StatusCode);
        // Never stored: not in the database file.
        var raw = await File.ReadAllBytesAsync(_server.DatabasePath);
        Assert.False(raw.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(_dashboard.Secret)) >= 0);
    }
}
