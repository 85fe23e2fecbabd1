using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hookline.Core;
using Hookline.Server.Internal.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>
/// <c>/api/approvals</c> on real Kestrel with tokens on, answering through an in-memory desk: which scopes list and
/// which answer, the groups a token puts its user in, the org a credential reads, the channel recorded, what each
/// outcome answers, and a dashboard cookie that can never answer.
/// </summary>
public sealed partial class ApprovalApiTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _deskTime = new(DateTimeOffset.UtcNow);
    private readonly RunCredential _runApprover = RunCredential.Create("start-approver", TokenScope.Approve);
    private FakeApprovalDesk _desk = null!;
    private TestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _desk = new FakeApprovalDesk(_deskTime);
        _server = await TestServer.StartAsync(_dir, Policies.Standard, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.HttpListen = "http://127.0.0.1:0";
            o.ApprovalDesk = _desk;
            o.RunCredentials.Add(_runApprover);
        });
        _http = new HttpClient { BaseAddress = new Uri(Origin + "/"), Timeout = Bound.Hang };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string Origin => _server.Server.HttpAddress!.TrimEnd('/');

    private string NewToken(string scope, string? user = null, string? org = null, params string[] groups)
        => Tokens.Create(_dir.File("data"), scope + "-" + Guid.NewGuid().ToString("N")[..8], Tokens.ParseScope(scope), user, org, groups).Token;

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private Task<(HttpStatusCode Status, string Body)> AnswerAsync(string id, string token, string verb = "approve", string json = "{}")
        => SendAsync(HttpMethod.Post, $"api/approvals/{id}/{verb}", token, json);

    private static ApprovalAnswerView View(string body) => JsonSerializer.Deserialize(body, ApprovalJsonContext.Default.ApprovalAnswerView)!;

    /// <summary>
    /// <c>hookline start</c>'s approve credential speaks for the OS user who ran start, as with authentication off: it
    /// answers that user's own agent, where a stored approve token of the same user is refused as a self-approval.
    /// </summary>
    [Fact]
    public async Task A_run_credential_of_scope_approve_answers_as_the_local_user_and_a_stored_token_of_that_user_may_not()
    {
        var approval = _desk.Add("", Environment.UserName, [ApprovalProtocol.AnyApprover]);

        var stored = await AnswerAsync(approval.Id, NewToken("approve", Environment.UserName));
        Assert.Equal((HttpStatusCode.Forbidden, "self_approval"), (stored.Status, View(stored.Body).Outcome));
        var run = await AnswerAsync(approval.Id, _runApprover.Secret);

        Assert.Equal(HttpStatusCode.OK, run.Status);
        Assert.Equal(ApprovalProtocol.StatusApproved, _desk[approval.Id].Status);
        // The stored token's answer reached the desk as an authenticated user, the run credential's as the local one.
        Assert.Equal([(Environment.UserName, true), (Environment.UserName, false)], _desk.Answers.Select(a => (a.Approver.User, a.Approver.Authenticated)));
    }

    [Fact]
    public async Task Only_an_approve_token_answers_read_and_approve_list_and_approve_reads_nothing_else()
    {
        var approval = _desk.Add("", "alice", [ApprovalProtocol.AnyApprover]);
        var approve = NewToken("approve", "bob");
        var tokens = new Dictionary<string, string>
        {
            ["sidecar"] = NewToken("sidecar", "bob"), ["read"] = NewToken("read", "bob"), ["admin"] = NewToken("admin", "bob"),
        };

        foreach (var (scope, token) in tokens)
        {
            var (status, body) = await AnswerAsync(approval.Id, token);
            Assert.True(status == HttpStatusCode.Forbidden, $"{scope} answered: {status} {body}");
            Assert.Equal(Authenticator.ForbiddenDetail, body.Trim());
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await AnswerAsync(approval.Id, "hl_unknown")).Status);
        Assert.Empty(_desk.Answers);
        foreach (var (token, expected) in new[] { (approve, HttpStatusCode.OK), (tokens["read"], HttpStatusCode.OK),
            (tokens["admin"], HttpStatusCode.OK), (tokens["sidecar"], HttpStatusCode.Forbidden) })
        {
            Assert.Equal(expected, (await SendAsync(HttpMethod.Get, "api/approvals", token)).Status);
            Assert.Equal(expected, (await SendAsync(HttpMethod.Get, "api/approvals/" + approval.Id, token)).Status);
        }
        // approve reads approvals only: not the audit trail, not the tokens.
        foreach (var path in new[] { "api/events", "api/sessions", "api/health", "api/tokens", "metrics" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, path, approve)).Status);
        }
        var listed = JsonSerializer.Deserialize((await SendAsync(HttpMethod.Get, "api/approvals", approve)).Body, ApprovalJsonContext.Default.ListApprovalView)!;
        var (answeredStatus, answeredBody) = await AnswerAsync(approval.Id, approve);

        Assert.Equal(approval.Id, Assert.Single(listed).Id);
        Assert.Equal(HttpStatusCode.OK, answeredStatus);
        var answered = View(answeredBody);
        Assert.Equal(("answered", ApprovalProtocol.StatusApproved, "bob"), (answered.Outcome, answered.Approval!.Status, answered.Approval.AnsweredBy));
        Assert.Equal(("bob", true), (Assert.Single(_desk.Answers).Approver.User, _desk.Answers.Single().Approver.Authenticated));
        // Answered, it is no longer pending; ?status=all shows it.
        Assert.Equal("[]", (await SendAsync(HttpMethod.Get, "api/approvals", approve)).Body);
        Assert.Contains(approval.Id, (await SendAsync(HttpMethod.Get, "api/approvals?status=all", approve)).Body);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "api/approvals?status=maybe", approve)).Status);
    }

    [Fact]
    public async Task The_groups_of_a_token_reach_the_desk_through_the_token_cache_and_decide_who_may_answer()
    {
        var approval = _desk.Add("", "alice", ["group:sre"]);
        var own = _desk.Add("", "erin", ["group:sre"]);
        var noGroups = NewToken("approve", "carol");
        var sre = NewToken("approve", "dave", null, "oncall", "sre");
        var cache = _server.Service<TokenCache>();

        var (refusedStatus, refusedBody) = await AnswerAsync(approval.Id, noGroups);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "api/approvals", sre)).Status);
        var lookups = cache.StoreLookups;
        var (status, body) = await AnswerAsync(approval.Id, sre);
        var lookupsAfter = cache.StoreLookups;
        var (selfStatus, selfBody) = await AnswerAsync(own.Id, NewToken("approve", "erin", null, "sre"));

        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (refusedStatus, View(refusedBody).Outcome));
        Assert.Contains("group:sre", View(refusedBody).Message);
        Assert.Equal((HttpStatusCode.OK, "answered"), (status, View(body).Outcome));
        // The answer's caller came from the cache, groups and all.
        Assert.Equal(lookups, lookupsAfter);
        var approver = _desk.Answers.Single(a => a.Id == approval.Id && a.Approver.User == "dave").Approver;
        Assert.Equal(["oncall", "sre"], approver.Groups.Order());
        Assert.Equal((HttpStatusCode.Forbidden, "self_approval"), (selfStatus, View(selfBody).Outcome));
    }

    [Fact]
    public async Task Another_orgs_approval_is_not_found_to_list_get_or_answer()
    {
        var acme = _desk.Add("acme", "alice", [ApprovalProtocol.AnyApprover]);
        var globex = _desk.Add("globex", "gina", [ApprovalProtocol.AnyApprover]);
        var acmeApprover = NewToken("approve", "bob", "acme");
        var globexReader = NewToken("read", "rita", "globex");
        var everyOrg = NewToken("read", "root");

        var list = (await SendAsync(HttpMethod.Get, "api/approvals", acmeApprover)).Body;
        var (getStatus, getBody) = await SendAsync(HttpMethod.Get, "api/approvals/" + globex.Id, acmeApprover);
        var (unknownStatus, unknownBody) = await SendAsync(HttpMethod.Get, "api/approvals/apr_unknown", acmeApprover);
        var (answerStatus, answerBody) = await AnswerAsync(globex.Id, acmeApprover);
        var (unknownAnswerStatus, unknownAnswerBody) = await AnswerAsync("apr_unknown", acmeApprover);

        Assert.Contains(acme.Id, list);
        Assert.DoesNotContain(globex.Id, list);
        // The same answer as an id that does not exist: ids cannot be probed across orgs.
        Assert.Equal((HttpStatusCode.NotFound, unknownBody), (getStatus, getBody));
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Equal((HttpStatusCode.NotFound, unknownAnswerBody), (answerStatus, answerBody));
        Assert.Equal(HttpStatusCode.NotFound, unknownAnswerStatus);
        Assert.DoesNotContain(_desk.Answers, a => a.Id == globex.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "api/approvals/" + acme.Id, globexReader)).Status);
        var all = (await SendAsync(HttpMethod.Get, "api/approvals", everyOrg)).Body;
        Assert.Contains(acme.Id, all);
        Assert.Contains(globex.Id, all);
        Assert.Equal(HttpStatusCode.OK, (await AnswerAsync(acme.Id, acmeApprover)).Status);
    }

    [Theory]
    [InlineData("""{"channel": "cli"}""", "cli")]
    [InlineData("{}", "api")]
    [InlineData("", "api")]
    [InlineData("""{"reason": "looked fine", "channel": "dashboard"}""", "api")]
    [InlineData("""{"channel": "link"}""", "api")]
    public async Task The_channel_is_cli_when_the_body_says_so_and_api_otherwise(string body, string channel)
    {
        var approval = _desk.Add("", "alice", [ApprovalProtocol.AnyApprover]);

        var (status, answer) = await AnswerAsync(approval.Id, NewToken("approve", "bob"), json: body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(channel, View(answer).Approval!.Channel);
        Assert.Equal(channel, Assert.Single(_desk.Answers).Channel);
    }

    [Fact]
    public async Task Each_outcome_has_its_status_with_the_desks_message()
    {
        var approval = _desk.Add("", "alice", [ApprovalProtocol.AnyApprover]);
        var late = _desk.Add("", "alice", [ApprovalProtocol.AnyApprover]);
        var approve = NewToken("approve", "bob");

        var noReason = await AnswerAsync(approval.Id, approve, "deny", """{"reason": "   "}""");
        var denied = await AnswerAsync(approval.Id, approve, "deny", """{"reason": "  not on a Friday  "}""");
        var again = await AnswerAsync(approval.Id, approve);
        var malformed = await AnswerAsync(approval.Id, approve, json: "{not json");
        var oversized = await AnswerAsync(approval.Id, approve, json: $$"""{"reason": "{{new string('x', 20_000)}}"}""");
        _deskTime.Advance(TimeSpan.FromMinutes(3));
        var expired = await AnswerAsync(late.Id, approve);

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "reason_required"), (noReason.Status, View(noReason.Body).Outcome));
        Assert.Equal(HttpStatusCode.OK, denied.Status);
        // Trimmed on the way in.
        Assert.Equal((ApprovalProtocol.StatusDenied, "not on a Friday"), (View(denied.Body).Approval!.Status, View(denied.Body).Approval!.Reason));
        Assert.Equal((HttpStatusCode.Conflict, "already_resolved"), (again.Status, View(again.Body).Outcome));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
        Assert.Equal(HttpStatusCode.BadRequest, oversized.Status);
        Assert.Equal((HttpStatusCode.Conflict, "expired"), (expired.Status, View(expired.Body).Outcome));
    }

    [Fact]
    public async Task A_dashboard_sign_in_lists_approvals_but_its_cookie_never_answers_not_even_with_the_pages_csrf_token()
    {
        var approval = _desk.Add("", "alice", [ApprovalProtocol.AnyApprover]);
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(Origin + "/"),
            Timeout = Bound.Hang,
        };
        using var login = new HttpRequestMessage(HttpMethod.Post, "ui/login") { Content = new FormUrlEncodedContent([new("token", NewToken("read", "bob"))]) };
        login.Headers.Add("Origin", Origin);
        using var signedIn = await browser.SendAsync(login);
        var setCookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"));
        var cookie = setCookie[..setCookie.IndexOf(';')];
        async Task<HttpResponseMessage> CookieAsync(HttpMethod method, string path, HttpContent? content = null, string? csrf = null, string? origin = null)
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
        using var page = await CookieAsync(HttpMethod.Get, "ui/sessions");
        var csrf = CsrfMeta().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        StringContent Json() => new("""{"reason": "ok"}""", Encoding.UTF8, "application/json");

        using var list = await CookieAsync(HttpMethod.Get, "api/approvals");
        using var withCsrf = await CookieAsync(HttpMethod.Post, $"api/approvals/{approval.Id}/approve", Json(), csrf, Origin);
        using var crossSite = await CookieAsync(HttpMethod.Post, $"api/approvals/{approval.Id}/approve",
            new StringContent("""{"reason": "ok"}""", Encoding.UTF8, "text/plain"), origin: "https://evil.example");
        using var otherPort = await CookieAsync(HttpMethod.Post, $"api/approvals/{approval.Id}/deny", Json(), csrf, "http://127.0.0.1:1");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(approval.Id, await list.Content.ReadAsStringAsync());
        Assert.NotEmpty(csrf);
        // Refused for its scope: a dashboard sign-in needs read, and a cookie only ever reads, whatever token signed in.
        Assert.Equal(HttpStatusCode.Forbidden, withCsrf.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, crossSite.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherPort.StatusCode);
        Assert.Empty(_desk.Answers);
        Assert.Equal(ApprovalProtocol.StatusPending, (await _desk.FindAsync(null, approval.Id, default))!.Status);
    }

    [GeneratedRegex("""<meta name="hookline-csrf" content="([^"]+)">""")]
    private static partial Regex CsrfMeta();
}
