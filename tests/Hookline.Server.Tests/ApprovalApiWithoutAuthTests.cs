using System.Net;
using System.Text;
using System.Text.Json;
using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>
/// <c>/api/approvals</c> with authentication off (a loopback server): whoever reaches the API is the local user and
/// answers as them, but a page in their browser cannot: the browser guards refuse a simple cross-site POST and any
/// write whose Origin or Fetch-Metadata says it comes from another site.
/// </summary>
public sealed class ApprovalApiWithoutAuthTests : IAsyncLifetime
{
    private readonly FakeApprovalDesk _desk = new(TimeProvider.System);
    private TestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(Policies.Standard, o =>
        {
            o.HttpListen = "http://127.0.0.1:0";
            o.ApprovalDesk = _desk;
        });
        _http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress!.TrimEnd('/') + "/"), Timeout = Bound.Hang };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<HttpStatusCode> PostAsync(string path, string contentType, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("""{"reason": "ok"}""", Encoding.UTF8, contentType) };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        using var response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_cross_site_page_cannot_answer_and_the_local_user_does()
    {
        var approval = _desk.Add("", "alice", ["user:someone-else"]);
        var path = $"api/approvals/{approval.Id}/approve";

        var simple = await PostAsync(path, "text/plain", ("Origin", "https://evil.example"));
        var form = await PostAsync(path, "application/x-www-form-urlencoded");
        var foreign = await PostAsync(path, "application/json", ("Origin", "https://evil.example"));
        var sandboxed = await PostAsync(path, "application/json", ("Origin", "null"), ("Sec-Fetch-Site", "cross-site"));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden),
            (simple, form, foreign, sandboxed));
        Assert.Empty(_desk.Answers);

        // A client without an Origin (the CLI) is the local user, who may answer anything without tokens.
        using var response = await _http.PostAsync(path, new StringContent("""{"channel": "cli"}""", Encoding.UTF8, "application/json"));
        var answer = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), ApprovalJsonContext.Default.ApprovalAnswerView)!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((Environment.UserName, ApprovalProtocol.ChannelCli), (answer.Approval!.AnsweredBy, answer.Approval.Channel));
        Assert.False(Assert.Single(_desk.Answers).Approver.Authenticated);
    }
}
