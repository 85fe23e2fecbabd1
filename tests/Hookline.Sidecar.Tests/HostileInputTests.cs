using System.Net.Http.Headers;
using System.Text;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Hook input with text System.Text.Json cannot decode, through a real sidecar (fail mode open) to a real server and
/// its SQLite audit trail: the command it carries is never allowed, the hook is answered, the event is recorded.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    // Node and Python write a lone surrogate escape for a file name that is not UTF-8.
    private const string LoneSurrogateCommand = @"rm -rf / # \ud800";

    private readonly TempDir _dir = new();
    private HooklineServer _server = null!;
    private HooklineSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_dir);
        _sidecar = await _server.StartSidecarAsync(_dir, options => options.FailMode = SidecarFailMode.Open);
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Claude's PreToolUse with the command written into the JSON as it stands (escapes kept).</summary>
    private static string PreToolUse(string rawCommand, string toolUseId) =>
        "{\"session_id\":\"3982e839-f0d1-4fef-886f-7146ed1dad82\",\"cwd\":\"/home/dev/proj\",\"hook_event_name\":\"PreToolUse\","
        + $"\"tool_name\":\"Bash\",\"tool_input\":{{\"command\":\"{rawCommand}\"}},\"tool_use_id\":\"{toolUseId}\"}}";

    /// <summary>The stored event of a tool call: by its tool_use_id, or for input that could not be read, by its raw input.</summary>
    private async Task<AuditEvent> RecordedAsync(string toolUseId)
    {
        Assert.True(await _sidecar.FlushAsync(Bound.Hang), "the sidecar did not get its events stored");
        var events = await AuditTrail.ReadEventsAsync(_dir.File("data"), _sidecar.SessionId);
        foreach (var stored in events)
        {
            if (stored.ToolUseId == toolUseId || (await RawInputAsync(stored.EventId)).Contains(toolUseId, StringComparison.Ordinal))
            {
                return stored;
            }
        }
        throw new Xunit.Sdk.XunitException($"no stored event of {toolUseId} among {events.Count}");
    }

    private async Task<string> RawInputAsync(string eventId)
    {
        var raw = await _server.RowsAsync($"SELECT COALESCE(CAST(raw_input AS TEXT), '') FROM events WHERE event_id = '{eventId}'");
        return Assert.Single(raw);
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_blocking_command_is_denied_as_malformed_in_fail_open_mode_and_recorded()
    {
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", PreToolUse(LoneSurrogateCommand, "toolu_surrogate"))
            .WaitAsync(Bound.Hang);

        Assert.Equal(2, reply.ExitCode);
        Assert.Contains("lone UTF-16 surrogate", reply.Stderr);
        var recorded = await RecordedAsync("toolu_surrogate");
        Assert.Equal(("deny", "malformed_input"), (recorded.Applied, recorded.Source));
        Assert.Contains("lone UTF-16 surrogate", recorded.Reason);
        // Not evaluated on the server: a policy answer on input nobody could read would mislead the audit trail.
        Assert.Equal("none", recorded.Decision);
        // The raw input is kept (redacted as text, since it cannot be read as JSON): what was attempted stays visible.
        Assert.Contains(@"rm -rf / # \ud800", await RawInputAsync(recorded.EventId));
    }

    [Fact]
    public async Task Invalid_utf8_in_a_blocking_command_is_denied_as_malformed_and_recorded()
    {
        var stdin = Encoding.UTF8.GetBytes(PreToolUse("rm -rf / # X", "toolu_utf8"));
        stdin[Array.IndexOf(stdin, (byte)'X')] = 0xFF;

        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", stdin).WaitAsync(Bound.Hang);

        Assert.Equal(2, reply.ExitCode);
        Assert.Contains("not valid UTF-8", reply.Stderr);
        var recorded = await RecordedAsync("toolu_utf8");
        Assert.Equal(("deny", "malformed_input"), (recorded.Applied, recorded.Source));
    }

    [Fact]
    public async Task A_lone_surrogate_over_the_http_hook_is_answered_deny_and_recorded()
    {
        using var http = new HttpClient { Timeout = Bound.Hang };
        using var request = new HttpRequestMessage(HttpMethod.Post, _sidecar.HttpHookUrl + "pre-tool-use")
        {
            Content = new StringContent(PreToolUse(LoneSurrogateCommand, "toolu_http_surrogate"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(HooklineSidecar.HttpSecretHeader, _sidecar.HttpHookSecret);

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("deny", HookClient.PermissionDecisionOf(body));
        var recorded = await RecordedAsync("toolu_http_surrogate");
        Assert.Equal(("deny", "malformed_input"), (recorded.Applied, recorded.Source));
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_tool_response_is_kept_as_bytes_and_the_event_is_stored()
    {
        const string Stdin = "{\"session_id\":\"s\",\"cwd\":\"/tmp\",\"hook_event_name\":\"PostToolUse\",\"tool_name\":\"Bash\","
            + "\"tool_input\":{\"command\":\"ls\"},\"tool_use_id\":\"toolu_response\",\"tool_response\":{\"stdout\":\"caf\\udce9.txt\"}}";

        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "post-tool-use", Stdin).WaitAsync(Bound.Hang);
        var after = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /tmp/x")).WaitAsync(Bound.Hang);

        Assert.Equal(0, reply.ExitCode);
        var recorded = await RecordedAsync("toolu_response");
        Assert.Equal("non_blocking", recorded.Source);
        // The server and its writer went on: the next blocking event is decided by the server's policy.
        Assert.Equal("deny", after.PermissionDecision);
    }
}
