using System.Net;
using System.Text;
using Hookline.Core;
using Microsoft.Extensions.Time.Testing;
using static Hookline.Server.Tests.DashboardBrowser;

namespace Hookline.Server.Tests;

/// <summary>
/// The dashboard's approvals pages over real Kestrel, signed in as <c>hookline start</c> signs its user in (this run's
/// dashboard credential, which answers as the local user): reading never answers, an answer needs the page's CSRF
/// token, this server's origin and the sign-in's answer key, each approval is answered once, and hostile subjects
/// are escaped.
/// </summary>
public sealed class DashboardApprovalTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RunCredential _dashboard = RunCredential.Create("start-dashboard", TokenScope.Read);
    private FakeApprovalDesk _desk = null!;
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _desk = new FakeApprovalDesk(_time);
        _server = await TestServer.StartAsync(_dir, Policies.Standard, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.HttpListen = "http://127.0.0.1:0";
            o.TimeProvider = _time;
            o.ApprovalDesk = _desk;
            o.RunCredentials.Add(_dashboard);
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string Origin => _server.Server.HttpAddress!.TrimEnd('/');

    private HttpClient Browser() => DashboardBrowser.Open(Origin);

    [Fact]
    public async Task Opening_an_approval_never_answers_it_whatever_the_link_or_the_method()
    {
        using var browser = Browser();
        var pending = _desk.Add("kubectl rollout restart deploy/api --context prod");
        // A link previewer: no cookie. It is sent to sign in, and nothing else happens.
        using var anonymous = await browser.GetAsync($"approvals/{pending.Id}");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        using var anonymousPage = await browser.GetAsync(anonymous.Headers.Location!.OriginalString.TrimStart('/'));
        Assert.Equal(HttpStatusCode.Redirect, anonymousPage.StatusCode);
        Assert.Equal($"/ui/login?next=%2Fui%2Fapprovals%2F{pending.Id}%3Fvia%3Dlink", anonymousPage.Headers.Location?.OriginalString);

        var signIn = await SignInAsync(browser, _dashboard.Secret, next: $"/ui/approvals/{pending.Id}?via=link");
        Assert.Equal($"/ui/approvals/{pending.Id}?via=link", signIn.Location);
        foreach (var path in new[]
        {
            $"ui/approvals/{pending.Id}?via=link", $"ui/approvals/{pending.Id}", "ui/approvals",
            $"ui/approvals/{pending.Id}/approve", $"ui/approvals/{pending.Id}/approve?reason=ok", $"ui/approvals/{pending.Id}/deny",
        })
        {
            using var response = await GetAsync(browser, path, signIn.Cookie);
            Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        using var page = await GetAsync(browser, $"ui/approvals/{pending.Id}?via=link", signIn.Cookie);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<input type=\"hidden\" name=\"channel\" value=\"link\">", html);
        Assert.Contains("kubectl rollout restart deploy/api --context prod", html);
        Assert.Equal(ApprovalProtocol.StatusPending, _desk[pending.Id].Status);
        Assert.Empty(_desk.Taken);
    }

    [Fact]
    public async Task An_answer_without_the_csrf_token_from_another_origin_without_the_answer_key_or_as_a_plain_form_is_refused_and_stays_pending()
    {
        using var browser = Browser();
        var pending = _desk.Add("terraform apply -auto-approve");
        var signIn = await SignInAsync(browser, _dashboard.Secret);
        var csrf = await CsrfOfAsync(browser, signIn.Cookie, "ui/approvals");

        var noCsrf = await AnswerAsync(browser, pending.Id, "approve", signIn.Cookie, origin: Origin, answerKey: signIn.AnswerKey);
        var wrongCsrf = await AnswerAsync(browser, pending.Id, "approve", signIn.Cookie, csrf: csrf + "x", origin: Origin, answerKey: signIn.AnswerKey);
        var otherOrigin = await AnswerAsync(browser, pending.Id, "approve", signIn.Cookie, csrf, origin: "http://127.0.0.1:1", answerKey: signIn.AnswerKey);
        // The cookie and every page's CSRF token can leak to another local user's server; the answer key cannot.
        var noKey = await AnswerAsync(browser, pending.Id, "approve", signIn.Cookie, csrf, origin: Origin);
        var otherKey = await AnswerAsync(browser, pending.Id, "approve", signIn.Cookie, csrf, origin: Origin, answerKey: signIn.AnswerKey[1..]);
        var plainForm = await AnswerAsync(browser, pending.Id, "approve", signIn.Cookie, csrf, origin: Origin, answerKey: signIn.AnswerKey,
            content: new FormUrlEncodedContent([new("reason", "ok")]));
        var noCookie = await AnswerAsync(browser, pending.Id, "approve", cookie: null, origin: Origin);

        Assert.Equal(HttpStatusCode.Forbidden, noCsrf.Status);
        Assert.Contains("CSRF", noCsrf.Body);
        Assert.Equal(HttpStatusCode.Forbidden, wrongCsrf.Status);
        Assert.Equal(HttpStatusCode.Forbidden, otherOrigin.Status);
        Assert.Contains("cross-origin", otherOrigin.Body);
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (noKey.Status, noKey.Outcome));
        Assert.Contains("answer key", noKey.Body);
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (otherKey.Status, otherKey.Outcome));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plainForm.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, noCookie.Status);
        Assert.Equal(ApprovalProtocol.StatusPending, _desk[pending.Id].Status);
        Assert.Empty(_desk.Taken);

        var approved = await AnswerAsync(browser, pending.Id, "approve", signIn.Cookie, csrf, origin: Origin, answerKey: signIn.AnswerKey);
        Assert.Equal((HttpStatusCode.OK, "answered"), (approved.Status, approved.Outcome));
        var taken = Assert.Single(_desk.Taken);
        var (approver, id, channel) = (taken.Approver, taken.Id, taken.Channel);
        // hookline start's dashboard credential is the local user, who may answer anything.
        Assert.Equal((Environment.UserName, false, pending.Id, ApprovalProtocol.ChannelDashboard), (approver.User, approver.Authenticated, id, channel));
        Assert.Equal(ApprovalProtocol.StatusApproved, _desk[pending.Id].Status);
    }

    [Theory]
    [InlineData("/ui/approvals/apr_1?via=link", "/ui/approvals/apr_1?via=link")]
    [InlineData("//evil.example/ui/", "/ui")]
    [InlineData("https://evil.example/ui/", "/ui")]
    [InlineData("/\\evil.example/ui/", "/ui")]
    [InlineData("/ui//evil.example", "/ui")]
    [InlineData("/ui/approvals#hookline-answer-key=mine", "/ui")]
    [InlineData("javascript:alert(1)", "/ui")]
    public async Task A_sign_in_returns_only_to_a_page_of_this_dashboard(string next, string expected)
    {
        using var browser = Browser();

        var signIn = await SignInAsync(browser, _dashboard.Secret, next);

        Assert.Equal(expected, signIn.Location);
    }

    [Fact]
    public async Task A_resubmitted_answer_is_refused_as_already_resolved_and_a_late_one_as_expired()
    {
        using var browser = Browser();
        var answered = _desk.Add("git push --force origin main");
        var late = _desk.Add("rm -rf build", timeout: TimeSpan.FromSeconds(30));
        var signIn = await SignInAsync(browser, _dashboard.Secret);
        var csrf = await CsrfOfAsync(browser, signIn.Cookie, $"ui/approvals/{answered.Id}");
        Task<(HttpStatusCode Status, string Outcome, string Body)> Answer(string id, string verb, HttpContent? content = null)
            => AnswerAsync(browser, id, verb, signIn.Cookie, csrf, Origin, signIn.AnswerKey, content);

        var noReason = await Answer(answered.Id, "deny", new StringContent("""{"channel":"link"}""", Encoding.UTF8, "application/json"));
        var denied = await Answer(answered.Id, "deny", new StringContent("""{"reason":"not on a Friday","channel":"link"}""", Encoding.UTF8, "application/json"));
        var replay = await Answer(answered.Id, "deny", new StringContent("""{"reason":"not on a Friday","channel":"link"}""", Encoding.UTF8, "application/json"));
        var flipped = await Answer(answered.Id, "approve");
        _time.Advance(TimeSpan.FromSeconds(31));
        var expired = await Answer(late.Id, "approve");
        var unknown = await Answer("apr_nope", "approve");

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "reason_required"), (noReason.Status, noReason.Outcome));
        Assert.Equal((HttpStatusCode.OK, "answered"), (denied.Status, denied.Outcome));
        Assert.Equal((HttpStatusCode.Conflict, "already_resolved"), (replay.Status, replay.Outcome));
        Assert.Equal((HttpStatusCode.Conflict, "already_resolved"), (flipped.Status, flipped.Outcome));
        Assert.Equal((HttpStatusCode.Conflict, "expired"), (expired.Status, expired.Outcome));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (unknown.Status, unknown.Outcome));
        var only = Assert.Single(_desk.Taken);
        Assert.Equal(ApprovalProtocol.ChannelLink, only.Channel);
        Assert.Equal((ApprovalProtocol.StatusDenied, "not on a Friday"), (_desk[answered.Id].Status, _desk[answered.Id].Reason));
        using var page = await GetAsync(browser, $"ui/approvals/{answered.Id}", signIn.Cookie);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("b-denied", html);
        Assert.DoesNotContain("<form class=\"answer\"", html);
    }

    [Fact]
    public async Task A_hostile_subject_is_escaped_on_both_pages()
    {
        using var browser = Browser();
        const string hostile = "echo \"<script>alert(1)</script><img src=x onerror=alert(2)>\" '&amp;";
        var pending = _desk.Add(hostile, user: "<b>mallory</b>");
        var signIn = await SignInAsync(browser, _dashboard.Secret);

        foreach (var path in new[] { "ui/approvals", $"ui/approvals/{pending.Id}" })
        {
            using var page = await GetAsync(browser, path, signIn.Cookie);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.DoesNotContain("<script>alert", html);
            Assert.DoesNotContain("<img src=x", html);
            Assert.DoesNotContain("<b>mallory", html);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
            Assert.Contains("&amp;amp;", html);
        }
    }

    [Fact]
    public async Task Another_orgs_approval_is_not_found_and_stays_out_of_the_list()
    {
        using var browser = Browser();
        var ours = _desk.Add("make deploy", org: "acme");
        var theirs = _desk.Add("make deploy-theirs", org: "globex");
        var token = Tokens.Create(_dir.File("data"), "acme-approver", TokenScope.Approve, "alice", "acme").Token;
        var signIn = await SignInAsync(browser, token);

        using var list = await GetAsync(browser, "ui/approvals", signIn.Cookie);
        var html = await list.Content.ReadAsStringAsync();
        using var page = await GetAsync(browser, $"ui/approvals/{theirs.Id}", signIn.Cookie);
        var csrf = await CsrfOfAsync(browser, signIn.Cookie, "ui/approvals");
        var answer = await AnswerAsync(browser, theirs.Id, "approve", signIn.Cookie, csrf, Origin, signIn.AnswerKey);

        Assert.Contains(ours.Id, html);
        Assert.DoesNotContain(theirs.Id, html);
        Assert.DoesNotContain("deploy-theirs", html);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.DoesNotContain("deploy-theirs", await page.Content.ReadAsStringAsync());
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (answer.Status, answer.Outcome));
        Assert.Equal(ApprovalProtocol.StatusPending, _desk[theirs.Id].Status);
        Assert.Empty(_desk.Taken);
    }

    /// <summary>With tokens: a reader sees, an approver (scope approve) signs in to the approvals pages and answers as who
    /// the token names, within the rule's <c>by</c>, never their own agent's request.</summary>
    [Fact]
    public async Task A_signed_in_approver_answers_as_their_token_a_reader_only_looks()
    {
        using var browser = Browser();
        var forSre = _desk.Add("kubectl drain node-7 --context prod", org: "acme", user: "carol", by: ["group:sre"]);
        var bobs = _desk.Add("kubectl delete pod web-0 --context prod", org: "acme", user: "bob", by: ["group:sre"]);
        var forOps = _desk.Add("kubectl cordon node-8 --context prod", org: "acme", user: "carol", by: ["group:ops"]);
        var reader = await SignInAsync(browser, Tokens.Create(_dir.File("data"), "acme-reader", TokenScope.Read, "alice", "acme", ["sre"]).Token);
        var approver = await SignInAsync(browser, Tokens.Create(_dir.File("data"), "bob-approves", TokenScope.Approve, "bob", "acme", ["sre"]).Token);
        var readerCsrf = await CsrfOfAsync(browser, reader.Cookie, "ui/approvals");
        var csrf = await CsrfOfAsync(browser, approver.Cookie, "ui/approvals");

        var byReader = await AnswerAsync(browser, forSre.Id, "approve", reader.Cookie, readerCsrf, Origin, reader.AnswerKey);
        var self = await AnswerAsync(browser, bobs.Id, "approve", approver.Cookie, csrf, Origin, approver.AnswerKey);
        var notNamed = await AnswerAsync(browser, forOps.Id, "approve", approver.Cookie, csrf, Origin, approver.AnswerKey);
        var approved = await AnswerAsync(browser, forSre.Id, "approve", approver.Cookie, csrf, Origin, approver.AnswerKey);
        using var live = await GetAsync(browser, "ui/live", approver.Cookie);

        // An approve-only token lands on the approvals page, and sees nothing else of the audit trail.
        Assert.Equal("/ui/approvals", approver.Location);
        Assert.Equal(HttpStatusCode.Forbidden, live.StatusCode);
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (byReader.Status, byReader.Outcome));
        Assert.Contains("approve scope", byReader.Body);
        Assert.Equal((HttpStatusCode.Forbidden, "self_approval"), (self.Status, self.Outcome));
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (notNamed.Status, notNamed.Outcome));
        Assert.Equal((HttpStatusCode.OK, "answered"), (approved.Status, approved.Outcome));
        var taken = Assert.Single(_desk.Taken);
        Assert.Equal((forSre.Id, "bob", true, "acme"), (taken.Id, taken.Approver.User, taken.Approver.Authenticated, taken.Approver.Org));
    }

    [Fact]
    public async Task The_live_feed_sends_the_pending_snapshot_then_each_change_of_the_callers_org()
    {
        using var browser = Browser();
        var before = _desk.Add("before the page");
        var signIn = await SignInAsync(browser, _dashboard.Secret);
        using var request = new HttpRequestMessage(HttpMethod.Get, "ui/approvals/live");
        request.Headers.Add("Cookie", signIn.Cookie);
        using var response = await browser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(Bound.Hang);

        Assert.Equal("event: snapshot", await reader.ReadLineAsync(timeout.Token));
        Assert.Contains(before.Id, await reader.ReadLineAsync(timeout.Token));
        var after = _desk.Add("after the page");
        Assert.Equal("", await reader.ReadLineAsync(timeout.Token));
        var created = await reader.ReadLineAsync(timeout.Token);
        Assert.StartsWith("data: ", created);
        Assert.Contains(after.Id, created);
        Assert.Contains("\"status\":\"pending\"", created);
    }
}
