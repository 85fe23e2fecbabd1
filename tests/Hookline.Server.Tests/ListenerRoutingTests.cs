using System.Net;

namespace Hookline.Server.Tests;

/// <summary>The gRPC address serves gRPC only; the HTTP routes (the policy write included) live on --http-listen alone.</summary>
public sealed class ListenerRoutingTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
        => _server = await TestServer.StartAsync(Policies.Standard, o => o.HttpListen = "http://127.0.0.1:0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpClient GrpcPort() => new() { BaseAddress = new Uri(_server.Server.GrpcAddress + "/"), Timeout = Bound.Hang };

    [Theory]
    [InlineData("GET", "healthz")]
    [InlineData("GET", "metrics")]
    [InlineData("GET", "api/sessions")]
    [InlineData("GET", "ui/login")]
    [InlineData("POST", "v1/policy")]
    [InlineData("POST", "api/tokens")]
    public async Task Http_routes_are_not_found_on_the_grpc_port(string method, string path)
    {
        using var grpcPort = GrpcPort();

        using var response = await grpcPort.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent(Policies.Edited) : null,
            // Cleartext HTTP/2 with prior knowledge: what the gRPC listener speaks.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_http_port_still_serves_them_and_the_grpc_port_still_serves_grpc()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress! + "/"), Timeout = Bound.Hang };

        using var health = await http.GetAsync("healthz");
        var session = await _server.Client.CreateSessionAsync(new Contracts.V1.CreateSessionRequest { Agent = "claude" });

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(string.IsNullOrEmpty(session.SessionId));
    }
}
