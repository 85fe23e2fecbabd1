namespace Hookline.Server.Tests;

/// <summary>The HTTP/1.1 endpoint next to the gRPC one.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_on_the_http_port_says_ok_and_the_epoch()
    {
        await using var server = await TestServer.StartAsync(Policies.Standard, o => o.HttpListen = "http://127.0.0.1:0");
        Assert.NotNull(server.Server.HttpAddress);
        Assert.NotEqual(server.Server.GrpcAddress, server.Server.HttpAddress);
        using var http = new HttpClient { Timeout = Bound.Hang };

        using var response = await http.GetAsync(new Uri(new Uri(server.Server.HttpAddress), "/healthz"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 1), response.Version);
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ok", lines[0]);
        Assert.Contains($"epoch {server.Server.PolicyEpoch}", lines);
    }

    [Fact]
    public async Task Healthz_follows_a_policy_reload()
    {
        await using var server = await TestServer.StartAsync(Policies.Standard, o => o.HttpListen = "http://127.0.0.1:0");
        using var http = new HttpClient { Timeout = Bound.Hang };
        var before = server.Server.PolicyEpoch;

        Assert.True(await server.EditPolicyAsync(Policies.Edited));
        var body = await http.GetStringAsync(new Uri(new Uri(server.Server.HttpAddress!), "/healthz"));

        Assert.StartsWith("ok\n", body);
        Assert.Contains($"\nepoch {before + 1}\n", body);
    }
}
