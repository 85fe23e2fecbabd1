using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;
using static Hookline.Server.Tests.ApprovalSupport;

namespace Hookline.Server.Tests;

/// <summary>
/// <c>/api/approvals</c> over the server's own desk (no stand-in), tokens on: an agent's call made pending on a real
/// stream is listed to an approver of its org, refused to the agent's own user, to someone the rule does not name and
/// to another org, and approved by a member of the rule's group: the waiting stream gets the allow with who answered
/// and through which channel, and a second answer is a conflict.
/// </summary>
public sealed class ApprovalApiRealDeskTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private TestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_dir, ApprovalSupport.Policy, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.HttpListen = "http://127.0.0.1:0";
        });
        _http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress!.TrimEnd('/') + "/"), Timeout = Bound.Hang };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string NewToken(TokenScope scope, string user, string org, params string[] groups)
        => Tokens.Create(_dir.File("data"), "t-" + Guid.NewGuid().ToString("N")[..8], scope, user, org, groups).Token;

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
        };
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Outcome(string body) => JsonSerializer.Deserialize(body, ApprovalJsonContext.Default.ApprovalAnswerView)!.Outcome;

    [Fact]
    public async Task A_pending_call_is_listed_to_its_org_refused_to_the_wrong_people_and_approved_by_the_rules_group()
    {
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(_server, session, stream: new StreamClient(_server.ClientWith(NewToken(TokenScope.Sidecar, "dev", "acme")).ProcessHookEvent()));
        var pending = await PendingAsync(stream, Deploy(session));
        var path = "api/approvals/" + pending.ApprovalId;
        var sre = NewToken(TokenScope.Approve, "bob", "acme", "sre");

        var (listStatus, list) = await SendAsync(HttpMethod.Get, "api/approvals", sre);
        var view = JsonSerializer.Deserialize(list, ApprovalJsonContext.Default.ListApprovalView)!.Single();
        var ownUser = await SendAsync(HttpMethod.Post, path + "/approve", NewToken(TokenScope.Approve, "dev", "acme", "sre"), "{}");
        var notNamed = await SendAsync(HttpMethod.Post, path + "/approve", NewToken(TokenScope.Approve, "carol", "acme", "dev"), "{}");
        var otherOrg = NewToken(TokenScope.Approve, "gina", "globex", "sre");
        var foreignGet = await SendAsync(HttpMethod.Get, path, otherOrg);
        var foreignAnswer = await SendAsync(HttpMethod.Post, path + "/approve", otherOrg, "{}");
        var approved = await SendAsync(HttpMethod.Post, path + "/approve", sre, """{"reason": "change 42", "channel": "cli"}""");
        var resolved = await ResolvedAsync(stream);
        var again = await SendAsync(HttpMethod.Post, path + "/deny", sre, """{"reason": "changed my mind"}""");

        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal((pending.ApprovalId, "dev", "acme", "prod-deploys"), (view.Id, view.User, view.Org, view.RuleId));
        Assert.Equal((HttpStatusCode.Forbidden, "self_approval"), (ownUser.Status, Outcome(ownUser.Body)));
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (notNamed.Status, Outcome(notNamed.Body)));
        Assert.Equal(HttpStatusCode.NotFound, foreignGet.Status);
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (foreignAnswer.Status, Outcome(foreignAnswer.Body)));
        Assert.Equal((HttpStatusCode.OK, "answered"), (approved.Status, Outcome(approved.Body)));
        Assert.Equal((Verdict.Allow, "bob", ApprovalProtocol.ChannelCli), (resolved.Verdict, resolved.AnsweredBy, resolved.Channel));
        Assert.Equal((HttpStatusCode.Conflict, "already_resolved"), (again.Status, Outcome(again.Body)));
        Assert.Equal("bob|cli", await _server.ScalarAsync<string>(
            "SELECT answered_by || '|' || channel FROM approvals WHERE id = @id", ("@id", pending.ApprovalId)));
    }
}
