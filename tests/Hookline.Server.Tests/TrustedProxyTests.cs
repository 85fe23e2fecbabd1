using System.Net;

namespace Hookline.Server.Tests;

/// <summary>
/// <c>--trusted-proxy</c> on real Kestrel: X-Forwarded-Proto and X-Forwarded-For count only from a peer the server
/// trusts (here the test itself, on 127.0.0.1, or not); the Host checks never read X-Forwarded-Host.
/// </summary>
public sealed class TrustedProxyTests
{
    private const string PublicHost = "hookline.example";

    /// <summary>Each server on its own temp directory (owned by it).</summary>
    private static Task<TestServer> StartAsync(ServerAuthMode? auth, params string[] trustedProxies) => TestServer.StartAsync(Policies.Standard, o =>
    {
        o.Auth = auth;
        o.HttpListen = "http://127.0.0.1:0";
        foreach (var proxy in trustedProxies)
        {
            o.TrustedProxies.Add(proxy);
        }
    });

    private static HttpClient Client(TestServer server) => new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        BaseAddress = new Uri(server.Server.HttpAddress!.TrimEnd('/') + "/"),
        Timeout = Bound.Hang,
    };

    /// <summary>A sign-in as a browser reaching <see cref="PublicHost"/> over HTTPS through a TLS-terminating proxy would send it.</summary>
    private static async Task<string> SignInThroughProxyAsync(TestServer server, string scheme)
    {
        var data = Path.Combine(Path.GetDirectoryName(server.PolicyFile)!, "data");
        var token = Tokens.Create(data, "viewer-" + Guid.NewGuid().ToString("N")[..8], Tokens.ParseScope("read"), null, null).Token;
        using var client = Client(server);
        using var request = new HttpRequestMessage(HttpMethod.Post, "ui/login") { Content = new FormUrlEncodedContent([new("token", token)]) };
        request.Headers.Host = PublicHost;
        request.Headers.Add("Origin", $"{scheme}://{PublicHost}");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Assert.Single(response.Headers.GetValues("Set-Cookie"));
    }

    [Fact]
    public async Task Behind_a_trusted_tls_proxy_the_dashboard_cookie_is_secure()
    {
        await using var server = await StartAsync(ServerAuthMode.Required, "127.0.0.1");

        var cookie = await SignInThroughProxyAsync(server, "https");

        Assert.StartsWith("__Host-hookline_session=", cookie);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_forged_x_forwarded_proto_from_an_untrusted_peer_changes_nothing()
    {
        await using var server = await StartAsync(ServerAuthMode.Required, "10.9.9.9", "192.0.2.0/24");

        // The peer (127.0.0.1) is not the trusted proxy: the request is plain HTTP to a public name, as it really is.
        var cookie = await SignInThroughProxyAsync(server, "http");

        Assert.StartsWith("hookline_session=", cookie);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_loopback_host_guard_ignores_x_forwarded_headers_from_any_peer()
    {
        await using var untrusted = await StartAsync(ServerAuthMode.Off, "10.9.9.9");
        await using var trusted = await StartAsync(ServerAuthMode.Off, "127.0.0.1");

        foreach (var server in new[] { untrusted, trusted })
        {
            using var client = Client(server);
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/sessions");
            request.Headers.Host = "rebound.example";
            request.Headers.Add("X-Forwarded-Host", "localhost");
            request.Headers.Add("X-Forwarded-For", "127.0.0.1");
            request.Headers.Add("X-Forwarded-Proto", "https");
            using var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task Without_tokens_the_read_api_sees_the_client_a_trusted_proxy_names_and_ignores_a_forged_one()
    {
        await using var trusted = await StartAsync(ServerAuthMode.Off, "127.0.0.1");
        await using var untrusted = await StartAsync(ServerAuthMode.Off, "10.9.9.9");

        async Task<HttpStatusCode> ReadAsync(TestServer server)
        {
            using var client = Client(server);
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/sessions");
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        // Forwarded by the trusted proxy for a remote client: the loopback-only read API refuses it.
        Assert.Equal(HttpStatusCode.Forbidden, await ReadAsync(trusted));
        // Sent by an untrusted peer on loopback: its X-Forwarded-For counts for nothing.
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(untrusted));
    }

    [Fact]
    public async Task A_server_behind_a_trusted_proxy_requires_tokens_unless_told_otherwise()
    {
        await using var server = await StartAsync(auth: null, "127.0.0.1");

        Assert.True(server.Server.AuthRequired);
    }

    [Fact]
    public async Task A_trusted_proxy_that_is_no_address_is_refused_at_start()
    {
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(ServerAuthMode.Required, "nginx.internal"));

        Assert.Contains("--trusted-proxy: 'nginx.internal' is neither an IP address", refused.Message);
    }
}
