using System.Net;
using Hookline.Contracts.V1;
using Hookline.Core;
using static Hookline.Server.Tests.ApprovalSupport;
using static Hookline.Server.Tests.DashboardBrowser;

namespace Hookline.Server.Tests;

/// <summary>
/// The dashboard's answers over the server's own desk, tokens on (a server of a team, not <c>hookline start</c>): an
/// approver's token (scope approve) signs in, sees the approvals pages and nothing else of the audit trail, and
/// answers through the page's POST (CSRF token, answer key) as the user and groups the token names; the waiting
/// stream hears it. A reader signed in looks but cannot answer; the agent's own user, someone the rule does not name
/// and another org are refused by the desk, as on every channel.
/// </summary>
public sealed class DashboardApprovalRealDeskTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
        => _server = await TestServer.StartAsync(_dir, ApprovalSupport.Policy, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.HttpListen = "http://127.0.0.1:0";
        });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string NewToken(TokenScope scope, string user, string org, params string[] groups)
        => Tokens.Create(_dir.File("data"), "t-" + Guid.NewGuid().ToString("N")[..8], scope, user, org, groups).Token;

    /// <summary>A stream of the agent's user <c>dev</c> in org acme, waiting on a pending call of its own.</summary>
    private async Task<(StreamClient Stream, string SessionId, string ApprovalId)> PendingAsync()
    {
        var session = Guid.NewGuid().ToString();
        var stream = await OpenAsync(_server, session, stream: new StreamClient(_server.ClientWith(NewToken(TokenScope.Sidecar, "dev", "acme")).ProcessHookEvent()));
        return (stream, session, (await ApprovalSupport.PendingAsync(stream, Deploy(session))).ApprovalId);
    }

    [Fact]
    public async Task An_approver_signed_in_answers_through_the_page_and_the_waiting_stream_hears_it_a_reader_and_the_wrong_people_cannot()
    {
        var (stream, _, id) = await PendingAsync();
        await using var _ = stream;
        using var browser = Open(_server.Server.HttpAddress!);
        var bob = await SignInAsync(browser, NewToken(TokenScope.Approve, "bob", "acme", "sre"), next: $"/ui/approvals/{id}?via=link");
        // A reader in the rule's group: seeing is not answering.
        var reader = await SignInAsync(browser, NewToken(TokenScope.Read, "erin", "acme", "sre"));
        using var page = await GetAsync(browser, $"ui/approvals/{id}?via=link", bob.Cookie);
        var html = await page.Content.ReadAsStringAsync();

        var byReader = await AnswerAsAsync(browser, reader, id, "approve");
        var self = await AnswerAsAsync(browser, await SignInAsync(browser, NewToken(TokenScope.Approve, "dev", "acme", "sre")), id, "approve");
        var notNamed = await AnswerAsAsync(browser, await SignInAsync(browser, NewToken(TokenScope.Approve, "carol", "acme", "dev")), id, "approve");
        var otherOrg = await AnswerAsAsync(browser, await SignInAsync(browser, NewToken(TokenScope.Approve, "gina", "globex", "sre")), id, "approve");
        var stillPending = await Desk(_server).FindAsync(null, id, CancellationToken.None);
        var approved = await AnswerAsAsync(browser, bob, id, "approve",
            new StringContent("""{"reason":"change 42","channel":"link"}""", System.Text.Encoding.UTF8, "application/json"));
        var resolved = await ResolvedAsync(stream);

        Assert.Equal($"/ui/approvals/{id}?via=link", bob.Location);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form class=\"answer\"", html);
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (byReader.Status, byReader.Outcome));
        Assert.Contains("approve scope", byReader.Body);
        Assert.Equal((HttpStatusCode.Forbidden, "self_approval"), (self.Status, self.Outcome));
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (notNamed.Status, notNamed.Outcome));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (otherOrg.Status, otherOrg.Outcome));
        Assert.Equal(ApprovalProtocol.StatusPending, stillPending!.Status);
        Assert.Equal((HttpStatusCode.OK, "answered"), (approved.Status, approved.Outcome));
        Assert.Equal((Verdict.Allow, "bob", ApprovalProtocol.ChannelLink), (resolved.Verdict, resolved.AnsweredBy, resolved.Channel));
        Assert.Equal("bob|link|change 42", await _server.ScalarAsync<string>(
            "SELECT answered_by || '|' || channel || '|' || reason FROM approvals WHERE id = @id", ("@id", id)));
    }

    [Fact]
    public async Task An_approvers_sign_in_reads_only_the_approvals_pages_and_its_cookie_cannot_answer_through_the_api()
    {
        var (stream, session, id) = await PendingAsync();
        await using var _ = stream;
        using var browser = Open(_server.Server.HttpAddress!);
        var approver = await SignInAsync(browser, NewToken(TokenScope.Approve, "bob", "acme", "sre"));
        var reader = await SignInAsync(browser, NewToken(TokenScope.Read, "erin", "acme"));
        var elsewhere = new[]
        {
            "ui/live", "ui/sessions", $"ui/sessions/{session}", "ui/policy", "ui/health",
            "api/events", $"api/sessions/{session}", "api/sessions", "api/policy", "api/policy/epochs", "api/health", "api/live",
        };

        var approverSees = new Dictionary<string, HttpStatusCode>();
        var readerSees = new Dictionary<string, HttpStatusCode>();
        foreach (var path in elsewhere)
        {
            using var byApprover = await GetAsync(browser, path, approver.Cookie);
            approverSees[path] = byApprover.StatusCode;
            if (path != "api/live")
            {
                // A reader's feed would stay open: its answer is a stream, not a refusal.
                using var byReader = await GetAsync(browser, path, reader.Cookie);
                readerSees[path] = byReader.StatusCode;
            }
        }
        using var home = await GetAsync(browser, "ui", approver.Cookie);
        using var readerHome = await GetAsync(browser, "ui", reader.Cookie);
        using var list = await GetAsync(browser, "ui/approvals", approver.Cookie);
        var html = await list.Content.ReadAsStringAsync();
        using var apiList = await GetAsync(browser, "api/approvals", approver.Cookie);
        // The API's answer takes no answer key, so a cookie (which may leak to another local user's server) cannot use it.
        var byCookie = await AnswerAsync(browser, id, "approve", approver.Cookie, await CsrfOfAsync(browser, approver.Cookie, "ui/approvals"),
            OriginOf(browser), approver.AnswerKey, path: $"api/approvals/{id}/approve");
        var stillPending = await Desk(_server).FindAsync(null, id, CancellationToken.None);

        Assert.Equal("/ui/approvals", approver.Location);
        Assert.Equal("/ui", reader.Location);
        Assert.All(elsewhere, path => Assert.Equal((path, HttpStatusCode.Forbidden), (path, approverSees[path])));
        Assert.All(readerSees, seen => Assert.Equal((seen.Key, HttpStatusCode.OK), (seen.Key, seen.Value)));
        Assert.Equal(elsewhere.Length - 1, readerSees.Count);
        Assert.Equal((HttpStatusCode.Redirect, "/ui/approvals"), (home.StatusCode, home.Headers.Location?.OriginalString));
        Assert.Equal((HttpStatusCode.Redirect, "/ui/overview"), (readerHome.StatusCode, readerHome.Headers.Location?.OriginalString));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(id, html);
        // Its header offers only the tab it may open.
        Assert.Contains("<a href=\"/ui/approvals\" class=\"on\">Approvals</a>", html);
        Assert.DoesNotContain("<a href=\"/ui/live\"", html);
        Assert.DoesNotContain("<a href=\"/ui/policy\"", html);
        Assert.Equal(HttpStatusCode.OK, apiList.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byCookie.Status);
        Assert.Contains("only reads", byCookie.Body);
        Assert.Equal(ApprovalProtocol.StatusPending, stillPending!.Status);
    }
}
