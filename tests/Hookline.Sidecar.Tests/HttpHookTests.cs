using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>Claude Code HTTP hooks: a real sidecar's loopback endpoint, a real server, the real SQLite audit trail.</summary>
public sealed class HttpHookTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentQueue<HookDecision> _decisions = new();
    private HooklineServer _server = null!;
    private HooklineSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_dir);
        _sidecar = await _server.StartSidecarAsync(_dir);
        _sidecar.Decided += _decisions.Enqueue;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sidecar.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string hookEvent, string json, string? secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _sidecar.HttpHookUrl + hookEvent)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (secret is not null)
        {
            request.Headers.Add(HooklineSidecar.HttpSecretHeader, secret);
        }
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string? Decision(string body) => HookClient.PermissionDecisionOf(body);

    [Fact]
    public async Task The_endpoint_is_on_loopback_with_a_long_random_secret()
    {
        Assert.StartsWith("http://127.0.0.1:", _sidecar.HttpHookUrl);
        Assert.EndsWith("/hooks/claude/", _sidecar.HttpHookUrl);
        Assert.True(_sidecar.HttpHookSecret!.Length >= 43);
    }

    [Theory]
    [InlineData("rm -rf /tmp/x", "deny")]
    [InlineData("git push origin main", "ask")]
    [InlineData("git status", "allow")]
    public async Task A_pre_tool_use_post_gets_the_servers_decision_in_claudes_shape(string command, string expected)
    {
        var (status, body) = await PostAsync("pre-tool-use", HookClient.Bash(command), _sidecar.HttpHookSecret);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, Decision(body));
        var decision = Assert.Single(_decisions);
        Assert.Equal(("remote", expected), (decision.Source, decision.Verdict));
    }

    [Fact]
    public async Task The_default_allow_is_an_empty_2xx_so_claudes_own_prompts_stay()
    {
        var (status, body) = await PostAsync("pre-tool-use", HookClient.Bash("ls -la"), _sidecar.HttpHookSecret);

        Assert.Equal((HttpStatusCode.OK, ""), (status, body));
    }

    [Fact]
    public async Task A_missing_secret_is_401_and_a_wrong_one_403_without_detail_and_nothing_is_decided()
    {
        var missing = await PostAsync("pre-tool-use", HookClient.Bash("rm -rf /"), null);
        var wrong = await PostAsync("pre-tool-use", HookClient.Bash("rm -rf /"), _sidecar.HttpHookSecret![..^1] + "x");
        var unknownRoute = await PostAsync("../../etc", HookClient.Bash("rm -rf /"), "nope");

        Assert.Equal((HttpStatusCode.Unauthorized, ""), missing);
        Assert.Equal((HttpStatusCode.Forbidden, ""), wrong);
        Assert.Equal(HttpStatusCode.Forbidden, unknownRoute.Status);
        Assert.Empty(_decisions);
    }

    [Fact]
    public async Task A_telemetry_event_is_answered_at_once_and_recorded()
    {
        var post = HookClient.Bash("ls").Replace("\"PreToolUse\"", "\"PostToolUse\"");

        var (status, body) = await PostAsync("post-tool-use", post, _sidecar.HttpHookSecret);

        Assert.Equal((HttpStatusCode.OK, ""), (status, body));
        Assert.Equal("non_blocking", Assert.Single(_decisions).Source);
        Assert.True(await _sidecar.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("PostToolUse|non_blocking", Assert.Single(await _server.RowsAsync("SELECT hook_event || '|' || applied_source FROM events")));
    }

    [Fact]
    public async Task Malformed_input_is_refused_in_the_json_shape_since_a_status_code_alone_never_blocks()
    {
        var (status, body) = await PostAsync("pre-tool-use", "{\"tool_name\": ", _sidecar.HttpHookSecret);
        var prompt = await PostAsync("user-prompt-submit", "[1]", _sidecar.HttpHookSecret);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("deny", Decision(body));
        Assert.Contains("not valid JSON", body);
        Assert.Equal("block", JsonDocument.Parse(prompt.Body).RootElement.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task An_unknown_route_with_the_secret_is_404_and_a_get_is_405()
    {
        var route = await PostAsync("Pre_Tool_Use", HookClient.Bash("ls"), _sidecar.HttpHookSecret);
        using var get = new HttpRequestMessage(HttpMethod.Get, _sidecar.HttpHookUrl + "pre-tool-use");
        get.Headers.Add(HooklineSidecar.HttpSecretHeader, _sidecar.HttpHookSecret);
        using var getResponse = await _http.SendAsync(get);

        Assert.Equal(HttpStatusCode.NotFound, route.Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, getResponse.StatusCode);
    }

    [Fact]
    public async Task The_same_event_through_socket_and_http_gets_the_same_answer_and_the_same_stored_record()
    {
        var stdin = HookClient.Bash("cd /tmp && FOO=1 timeout 5 rm -rf build");

        var socket = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", stdin);
        var http = await PostAsync("pre-tool-use", stdin, _sidecar.HttpHookSecret);

        Assert.Equal(0, socket.ExitCode);
        Assert.Equal(socket.Stdout, http.Body);
        Assert.True(await _sidecar.FlushAsync(TimeSpan.FromSeconds(10)));
        const string Record = """
            SELECT agent || '|' || agent_session_id || '|' || hook_event || '|' || native_event || '|' || tool_name || '|' ||
                   CAST(tool_input AS TEXT) || '|' || cwd || '|' || verdict || '|' || reason || '|' || rule_ids || '|' ||
                   policy_epoch || '|' || applied_verdict || '|' || applied_source
            FROM events ORDER BY received_at_ms
            """;
        var records = await _server.RowsAsync(Record);
        Assert.Equal(2, records.Count);
        Assert.Equal(records[0], records[1]);
        Assert.Contains("|deny|", records[0]);
    }
}
