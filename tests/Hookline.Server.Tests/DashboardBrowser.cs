using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hookline.Server.Tests;

/// <summary>
/// A browser of the dashboard, by hand: it signs in at <c>/ui/login</c> (keeping the session cookie and the answer key
/// the redirect's fragment hands over), reads a page's CSRF token, and answers approvals as the pages' script does.
/// Cookies and redirects are the test's to send and follow.
/// </summary>
internal static partial class DashboardBrowser
{
    public sealed record SignIn(string Cookie, string AnswerKey, string Location);

    public static HttpClient Open(string origin) => new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        BaseAddress = new Uri(origin.TrimEnd('/') + "/"),
        Timeout = Bound.Hang,
    };

    /// <summary>This server's origin (scheme, host and port), as its pages send it.</summary>
    public static string OriginOf(HttpClient browser) => browser.BaseAddress!.GetLeftPart(UriPartial.Authority);

    public static async Task<SignIn> SignInAsync(HttpClient browser, string token, string? next = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "ui/login")
        {
            Content = new FormUrlEncodedContent(next is null ? [new("token", token)] : [new("token", token), new("next", next)]),
        };
        request.Headers.Add("Origin", OriginOf(browser));
        using var response = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        var location = response.Headers.Location!.OriginalString;
        var mark = location.IndexOf("#hookline-answer-key=", StringComparison.Ordinal);
        Assert.True(mark > 0, "the sign-in hands the answer key over in the redirect's fragment: " + location);
        return new SignIn(setCookie[..setCookie.IndexOf(';')], location[(mark + "#hookline-answer-key=".Length)..], location[..mark]);
    }

    public static async Task<HttpResponseMessage> GetAsync(HttpClient browser, string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await browser.SendAsync(request);
    }

    public static async Task<string> CsrfOfAsync(HttpClient browser, string cookie, string path)
    {
        using var page = await GetAsync(browser, path, cookie);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var match = CsrfMeta().Match(await page.Content.ReadAsStringAsync());
        Assert.True(match.Success, "the page carries its CSRF token");
        return match.Groups[1].Value;
    }

    /// <summary>POSTs an answer to <paramref name="path"/> (by default the dashboard's <c>ui/approvals/{id}/{verb}</c>) with the headers given.</summary>
    public static async Task<(HttpStatusCode Status, string Outcome, string Body)> AnswerAsync(HttpClient browser, string id, string verb, string? cookie,
        string? csrf = null, string? origin = null, string? answerKey = null, HttpContent? content = null, string? path = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path ?? $"ui/approvals/{id}/{verb}")
        {
            Content = content ?? new StringContent("""{"reason":"looks right","channel":"dashboard"}""", Encoding.UTF8, "application/json"),
        };
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }
        foreach (var (name, value) in new[] { ("X-Hookline-Csrf", csrf), ("Origin", origin), ("X-Hookline-Answer-Key", answerKey) })
        {
            if (value is not null)
            {
                request.Headers.Add(name, value);
            }
        }
        using var response = await browser.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var outcome = response.Content.Headers.ContentType?.MediaType == "application/json"
            ? JsonDocument.Parse(body).RootElement.GetProperty("outcome").GetString()! : "";
        return (response.StatusCode, outcome, body);
    }

    /// <summary>Answers as a signed-in browser's page does: its CSRF token, this origin, its answer key.</summary>
    public static async Task<(HttpStatusCode Status, string Outcome, string Body)> AnswerAsAsync(HttpClient browser, SignIn signIn, string id, string verb,
        HttpContent? content = null)
        => await AnswerAsync(browser, id, verb, signIn.Cookie, await CsrfOfAsync(browser, signIn.Cookie, "ui/approvals"), OriginOf(browser),
            signIn.AnswerKey, content);

    [GeneratedRegex("<meta name=\"hookline-csrf\" content=\"([^\"]+)\">")]
    private static partial Regex CsrfMeta();
}
