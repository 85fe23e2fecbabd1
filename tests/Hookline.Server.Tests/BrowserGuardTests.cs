using System.Net;
using System.Text;

namespace Hookline.Server.Tests;

/// <summary>
/// A server without tokens (the loopback default) against a hostile web page in the user's browser: DNS rebinding,
/// cross-origin "simple" posts, and token minting. Real Kestrel, on each backend.
/// </summary>
public abstract class BrowserGuardTests : BackendSuite
{
    private const string Attacker = "http://attacker.example";

    /// <summary>The tokens in the server's database, read directly: without auth the HTTP API lists none.</summary>
    private static IReadOnlyList<TokenInfo> StoredTokens(TestServer server)
        => Tokens.List(new AuditLocation(Path.GetDirectoryName(server.Server.DatabasePath) ?? "", server.Database?.ConnectionString));

    [SkippableFact]
    public async Task A_rebound_host_name_is_refused_and_the_loopback_names_are_answered()
    {
        var server = await StartAsync();
        var port = new Uri(server.Server.HttpAddress!).Port;
        using var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };

        async Task<HttpResponseMessage> GetWithHost(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events") { Headers = { Host = host } };
            return await http.SendAsync(request);
        }

        using var rebound = await GetWithHost($"attacker.example:{port}");
        using var otherPort = await GetWithHost($"127.0.0.1:{port + 1}");
        Assert.Equal(HttpStatusCode.MisdirectedRequest, rebound.StatusCode);
        Assert.Contains("DNS-rebinding", await rebound.Content.ReadAsStringAsync());
        Assert.DoesNotContain("\"items\"", await rebound.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MisdirectedRequest, otherPort.StatusCode);
        foreach (var host in new[] { $"127.0.0.1:{port}", $"localhost:{port}", $"LOCALHOST:{port}", $"[::1]:{port}" })
        {
            using var local = await GetWithHost(host);
            Assert.True(local.StatusCode == HttpStatusCode.OK, $"Host {host}: {local.StatusCode}");
        }
    }

    [SkippableFact]
    public async Task A_cross_origin_text_plain_post_neither_mints_a_token_nor_disables_the_policy()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };
        var epoch = server.Server.PolicyEpoch;

        // What <form enctype="text/plain"> or fetch(..., {mode: "no-cors"}) sends: no preflight, no custom header.
        using var token = await http.SendAsync(Post("/api/tokens", """{"name":"x","scope":"admin"}""", "text/plain", Attacker));
        using var policy = await http.SendAsync(Post(HooklineServer.PolicyApplyPath, "version: 1\nmode: disabled\nrules: []\n", "text/plain", Attacker));
        // The same over a form, and from a page on another port of this host (same site, other origin).
        using var form = await http.SendAsync(Post(HooklineServer.PolicyApplyPath, "version=1", "application/x-www-form-urlencoded", null));
        using var sameSite = await http.SendAsync(Post(HooklineServer.PolicyApplyPath, "version: 1\nmode: disabled\nrules: []\n",
            HooklineHttp.PolicyMediaType, "http://127.0.0.1:1"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, token.StatusCode);
        Assert.Contains(HooklineHttp.RequestHeader, await token.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, policy.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, sameSite.StatusCode);
        Assert.Contains("cross-origin", await sameSite.Content.ReadAsStringAsync());
        Assert.Empty(StoredTokens(server));
        Assert.Equal(epoch, server.Server.PolicyEpoch);
        Assert.Contains("\"mode\":\"enforce\"", await http.GetStringAsync("/api/policy"));
    }

    [SkippableFact]
    public async Task The_http_api_mints_no_token_while_auth_is_off_even_for_a_well_formed_request()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };
        HooklineHttp.MarkAsClient(http.DefaultRequestHeaders);

        using var created = await http.PostAsync("/api/tokens",
            new StringContent("""{"name":"first-admin","scope":"admin"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);
        Assert.Contains("hookline token create", await created.Content.ReadAsStringAsync());
        Assert.Contains("--data", await created.Content.ReadAsStringAsync());
        Assert.Empty(StoredTokens(server));
    }

    [SkippableFact]
    public async Task A_client_post_with_the_request_header_or_a_yaml_type_passes_the_forgery_check()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };
        var document = await File.ReadAllTextAsync(server.PolicyFile);

        // What `hookline policy apply` sends; the store decides (PostgreSQL: a new epoch; SQLite: 409, no shared store).
        using var request = Post(HooklineServer.PolicyApplyPath, document, HooklineHttp.PolicyMediaType, null);
        HooklineHttp.MarkAsClient(request.Headers);
        using var applied = await http.SendAsync(request);

        Assert.Equal(server.Database is null ? HttpStatusCode.Conflict : HttpStatusCode.OK, applied.StatusCode);
    }

    [SkippableFact]
    public async Task Every_response_carries_the_security_headers_refusals_included()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/ui/live") { Headers = { Host = "attacker.example" } };

        foreach (var response in new[]
        {
            await http.GetAsync("/ui/live"), await http.GetAsync("/api/events"), await http.GetAsync("/healthz"),
            await http.GetAsync("/ui/assets/live.js"), await http.GetAsync("/no/such/page"), await http.SendAsync(rebound),
            await http.SendAsync(Post("/api/tokens", "{}", "text/plain", Attacker)),
        })
        {
            using (response)
            {
                SecurityHeaderAssert.Present(response);
            }
        }
    }

    private static HttpRequestMessage Post(string path, string body, string contentType, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        return request;
    }
}

public sealed class SqliteBrowserGuardTests : BrowserGuardTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresBrowserGuardTests : BrowserGuardTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}

internal static class SecurityHeaderAssert
{
    public static void Present(HttpResponseMessage response)
    {
        var what = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} ({(int)response.StatusCode})";
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{what}: no Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", string.Join(",", csp!));
        Assert.Contains("script-src 'self'", string.Join(",", csp!));
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(["no-referrer"], response.Headers.GetValues("Referrer-Policy"));
        Assert.Equal(["DENY"], response.Headers.GetValues("X-Frame-Options"));
    }
}
