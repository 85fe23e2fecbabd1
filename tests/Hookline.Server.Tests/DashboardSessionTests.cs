using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>
/// Browser sign-in with tokens on (real Kestrel): a <c>__Host-</c> cookie naming a server-side session, never the
/// token; reads by cookie alone, and nothing more (whatever the token), writes refused without the page's CSRF token
/// too; sign-out and expiry end the session.
/// </summary>
public sealed partial class DashboardSessionTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_dir, Policies.Standard, o =>
    {
        o.Auth = ServerAuthMode.Required;
        o.HttpListen = "http://127.0.0.1:0";
        o.TimeProvider = _time;
    });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string Origin => _server.Server.HttpAddress!.TrimEnd('/');

    private string NewToken(string scope)
        => Tokens.Create(_dir.File("data"), scope + "-" + Guid.NewGuid().ToString("N")[..8], Tokens.ParseScope(scope), null, null).Token;

    /// <summary>A client without a cookie jar: the cookie goes back exactly as the test says, as a browser on loopback would send it.</summary>
    private HttpClient Browser() => new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        BaseAddress = new Uri(Origin + "/"),
        Timeout = Bound.Hang,
    };

    private async Task<(string Cookie, string SetCookie)> SignInAsync(HttpClient browser, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "ui/login") { Content = new FormUrlEncodedContent([new("token", token)]) };
        request.Headers.Add("Origin", Origin);
        using var response = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        return (setCookie[..setCookie.IndexOf(';')], setCookie);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, HttpMethod method, string path, string cookie,
        HttpContent? content = null, string? csrf = null, string? origin = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("Cookie", cookie);
        if (csrf is not null)
        {
            request.Headers.Add("X-Hookline-Csrf", csrf);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        return await browser.SendAsync(request);
    }

    private static async Task<string> CsrfOfPageAsync(HttpClient browser, string cookie)
    {
        using var page = await SendAsync(browser, HttpMethod.Get, "ui/sessions", cookie);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var match = CsrfMeta().Match(await page.Content.ReadAsStringAsync());
        Assert.True(match.Success, "the page carries its CSRF token in <meta name=\"hookline-csrf\">");
        return match.Groups[1].Value;
    }

    private static StringContent TokenRequest(string name) => new($$"""{"name":"{{name}}","scope":"read"}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task Sign_in_sets_a_host_only_secure_cookie_naming_a_session_not_the_token()
    {
        using var browser = Browser();
        var read = NewToken("read");

        var (cookie, setCookie) = await SignInAsync(browser, read);
        using var page = await SendAsync(browser, HttpMethod.Get, "ui/sessions", cookie);
        using var bareToken = await SendAsync(browser, HttpMethod.Get, "ui/sessions", "__Host-hookline_session=" + read);

        Assert.StartsWith("__Host-hookline_session=", cookie);
        Assert.DoesNotContain(read, setCookie);
        var attributes = setCookie.ToLowerInvariant();
        foreach (var attribute in new[] { "; secure", "; httponly", "; samesite=strict", "; path=/" })
        {
            Assert.Contains(attribute, attributes);
        }
        Assert.DoesNotContain("domain=", attributes);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sessions", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, bareToken.StatusCode);
        // A read token may look, not change: token administration still needs admin.
        using var tokens = await SendAsync(browser, HttpMethod.Get, "api/tokens", cookie);
        Assert.Equal(HttpStatusCode.Forbidden, tokens.StatusCode);
    }

    [Fact]
    public async Task A_cookie_write_without_the_pages_csrf_token_is_refused_before_any_scope_check()
    {
        using var browser = Browser();
        var (cookie, _) = await SignInAsync(browser, NewToken("admin"));
        var csrf = await CsrfOfPageAsync(browser, cookie);

        // A page on another port of this host is same-site: SameSite=Strict sends the cookie along.
        using var forged = await SendAsync(browser, HttpMethod.Post, "api/tokens", cookie, TokenRequest("forged"), origin: "http://127.0.0.1:1");
        using var noOrigin = await SendAsync(browser, HttpMethod.Post, "api/tokens", cookie, TokenRequest("no-csrf"));
        using var wrong = await SendAsync(browser, HttpMethod.Post, "api/tokens", cookie, TokenRequest("wrong"), csrf: csrf[1..] + "x", origin: Origin);

        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noOrigin.StatusCode);
        Assert.Contains("CSRF", await noOrigin.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Contains("CSRF", await wrong.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Browsers send cookies to every port of 127.0.0.1, so another local user's page can make the cookie leak and
    /// replay it with the CSRF token read from /ui: an admin's cookie session therefore only reads.
    /// </summary>
    [Fact]
    public async Task An_admin_tokens_cookie_session_with_its_csrf_token_reads_but_cannot_administer()
    {
        using var browser = Browser();
        var (cookie, _) = await SignInAsync(browser, NewToken("admin"));
        var csrf = await CsrfOfPageAsync(browser, cookie);

        using var create = await SendAsync(browser, HttpMethod.Post, "api/tokens", cookie, TokenRequest("by-cookie"), csrf: csrf, origin: Origin);
        using var apply = await SendAsync(browser, HttpMethod.Post, "v1/policy", cookie,
            new StringContent(Policies.Edited, Encoding.UTF8, "application/yaml"), csrf: csrf, origin: Origin);
        using var list = await SendAsync(browser, HttpMethod.Get, "api/tokens", cookie);
        using var events = await SendAsync(browser, HttpMethod.Get, "api/events", cookie);
        using var policy = await SendAsync(browser, HttpMethod.Get, "api/policy", cookie);

        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Contains("only reads", await create.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, apply.StatusCode);
        Assert.Contains("only reads", await apply.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        // Nothing was made: the same admin token in a header sees no token named by-cookie.
        using var admin = new HttpClient { BaseAddress = new Uri(Origin + "/"), Timeout = Bound.Hang };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", NewToken("admin"));
        Assert.DoesNotContain("\"by-cookie\"", await admin.GetStringAsync("api/tokens"));
    }

    [Fact]
    public async Task Sign_out_and_expiry_end_the_session_on_the_server()
    {
        using var browser = Browser();
        var (cookie, _) = await SignInAsync(browser, NewToken("read"));
        var csrf = await CsrfOfPageAsync(browser, cookie);

        using var withoutCsrf = await SendAsync(browser, HttpMethod.Post, "ui/logout", cookie, new FormUrlEncodedContent([]), origin: Origin);
        using var stillIn = await SendAsync(browser, HttpMethod.Get, "ui/sessions", cookie);
        using var signOut = await SendAsync(browser, HttpMethod.Post, "ui/logout", cookie, new FormUrlEncodedContent([new("csrf", csrf)]), origin: Origin);
        using var afterSignOut = await SendAsync(browser, HttpMethod.Get, "ui/sessions", cookie);

        Assert.Equal(HttpStatusCode.Forbidden, withoutCsrf.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        // The old cookie value is dead on the server, whatever the browser keeps.
        Assert.Equal(HttpStatusCode.Redirect, afterSignOut.StatusCode);
        Assert.Equal("/ui/login?next=%2Fui%2Fsessions", afterSignOut.Headers.Location?.OriginalString);

        var (second, _) = await SignInAsync(browser, NewToken("read"));
        _time.Advance(TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1));
        using var expired = await SendAsync(browser, HttpMethod.Get, "ui/sessions", second);
        Assert.Equal(HttpStatusCode.Redirect, expired.StatusCode);
    }

    [Fact]
    public async Task A_signed_in_browser_signs_in_again_with_its_csrf_token_and_a_new_session_replaces_the_old()
    {
        using var browser = Browser();
        var (first, _) = await SignInAsync(browser, NewToken("read"));
        using var loginPage = await SendAsync(browser, HttpMethod.Get, "ui/login", first);
        var csrf = CsrfField().Match(await loginPage.Content.ReadAsStringAsync());
        Assert.True(csrf.Success, "the sign-in form of a signed-in browser carries its CSRF token");

        using var again = await SendAsync(browser, HttpMethod.Post, "ui/login", first,
            new FormUrlEncodedContent([new("token", NewToken("admin")), new("csrf", csrf.Groups[1].Value)]), origin: Origin);
        var second = Assert.Single(again.Headers.GetValues("Set-Cookie"));
        using var oldCookie = await SendAsync(browser, HttpMethod.Get, "ui/sessions", first);
        using var newCookie = await SendAsync(browser, HttpMethod.Get, "api/events", second[..second.IndexOf(';')]);

        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, oldCookie.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newCookie.StatusCode);
    }

    [Theory]
    [InlineData("http://attacker.example", null, HttpStatusCode.Forbidden)]
    [InlineData("null", "cross-site", HttpStatusCode.Forbidden)]
    [InlineData("null", null, HttpStatusCode.Forbidden)]
    // Our pages say Referrer-Policy: no-referrer, so the browser's own same-origin form post says Origin: null.
    [InlineData("null", "same-origin", HttpStatusCode.Redirect)]
    public async Task A_sign_in_form_is_taken_only_from_this_servers_own_pages(string origin, string? fetchSite, HttpStatusCode expected)
    {
        using var browser = Browser();
        using var request = new HttpRequestMessage(HttpMethod.Post, "ui/login") { Content = new FormUrlEncodedContent([new("token", NewToken("read"))]) };
        request.Headers.Add("Origin", origin);
        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        using var response = await browser.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.Redirect, response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task The_sign_in_page_and_api_answers_carry_the_security_headers()
    {
        using var browser = Browser();
        using var login = await browser.GetAsync("ui/login");
        using var anonymous = await browser.GetAsync("api/events");
        using var authorized = new HttpClient { BaseAddress = new Uri(Origin + "/"), Timeout = Bound.Hang };
        authorized.DefaultRequestHeaders.Authorization = new("Bearer", NewToken("read"));
        using var events = await authorized.GetAsync("api/events");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.OK), (login.StatusCode, anonymous.StatusCode, events.StatusCode));
        SecurityHeaderAssert.Present(login);
        SecurityHeaderAssert.Present(anonymous);
        SecurityHeaderAssert.Present(events);
    }

    [GeneratedRegex("<meta name=\"hookline-csrf\" content=\"([^\"]+)\">")]
    private static partial Regex CsrfMeta();

    [GeneratedRegex("<input type=\"hidden\" name=\"csrf\" value=\"([^\"]+)\">")]
    private static partial Regex CsrfField();
}
