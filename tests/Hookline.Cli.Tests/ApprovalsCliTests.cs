using System.Text.Json;
using Hookline.Core;
using Hookline.Server;
using Hookline.Server.Internal.Approvals;
using Hookline.Server.Tests;

namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline approvals list|approve|deny</c> in process against a real server (Kestrel, tokens on) that answers
/// through an in-memory desk: what a person sees, what the desk is asked (channel cli, the token's user and groups),
/// and the exit codes and messages of refusals.
/// </summary>
public sealed class ApprovalsCliTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly FakeApprovalDesk _desk = new(TimeProvider.System);
    private HooklineServer _server = null!;
    private string _approver = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync(_dir, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.ApprovalDesk = _desk;
        });
        _approver = LocalServer.TokenFile(_dir, "approver", TokenScope.Approve, "bob", "sre");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private Task<CliResult> RunAsync(params string[] args)
        => InProcessCli.RunAsync([.. args, "--server", _server.HttpAddress!, "--token-file", _approver]);

    [Fact]
    public async Task List_shows_what_waits_who_asks_who_may_answer_and_the_time_left_and_json_is_one_view_per_line()
    {
        var waiting = _desk.Add("", "alice", ["group:sre", "user:carol"], subject: "kubectl apply -f prod.yaml\u001b[2K");
        var other = _desk.Add("", "alice", [ApprovalProtocol.AnyApprover], subject: "terraform apply");
        await _desk.AnswerAsync(new Approver("carol", [], "", true), other.Id, true, null, "api", default);

        var text = await RunAsync("approvals", "list");
        var json = await RunAsync("approvals", "list", "--json");
        var all = await RunAsync("approvals", "list", "--all", "--json");

        Assert.Equal((0, ""), (text.Exit, text.Stderr));
        var line = Assert.Single(text.Stdout.Split('\n'), l => l.StartsWith(waiting.Id, StringComparison.Ordinal));
        foreach (var shown in new[] { "Bash", "alice", "codex", "prod-deploys", "group:sre,user:carol", "kubectl apply -f prod.yaml" })
        {
            Assert.Contains(shown, line, StringComparison.Ordinal);
        }
        Assert.Matches(@" (1m[0-5]\ds|2m00s) ", line);
        // The agent's text cannot drive the approver's terminal: its escape is shown, not sent.
        Assert.Contains("\\u001b[2K", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(other.Id, text.Stdout, StringComparison.Ordinal);
        var view = JsonSerializer.Deserialize(Assert.Single(json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)), ApprovalJsonContext.Default.ApprovalView)!;
        Assert.Equal(waiting, view with { Approvers = waiting.Approvers });
        Assert.Equal(["group:sre", "user:carol"], view.Approvers);
        using var document = JsonDocument.Parse(json.Stdout);
        foreach (var key in new[] { "id", "org", "session_id", "agent", "user", "tool_name", "subject", "rule_id", "approvers", "created_at", "expires_at", "status" })
        {
            Assert.True(document.RootElement.TryGetProperty(key, out _), key);
        }
        Assert.Equal(2, all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Approve_and_deny_answer_as_the_tokens_user_through_channel_cli()
    {
        var first = _desk.Add("", "alice", ["group:sre"]);
        var second = _desk.Add("", "alice", ["group:sre"]);

        var approved = await RunAsync("approvals", "approve", first.Id, "--reason", "change ticket 42");
        var denied = await RunAsync("approvals", "deny", second.Id, "--reason", "not during the freeze");

        Assert.Equal((0, ""), (approved.Exit, approved.Stderr));
        Assert.StartsWith($"approved {first.Id}: Bash kubectl apply -f prod.yaml (answered by bob)", approved.Stdout, StringComparison.Ordinal);
        Assert.Equal((0, ""), (denied.Exit, denied.Stderr));
        Assert.StartsWith($"denied {second.Id}", denied.Stdout, StringComparison.Ordinal);
        var answers = _desk.Answers.ToList();
        Assert.Equal([(first.Id, true, "change ticket 42"), (second.Id, false, "not during the freeze")], answers.Select(a => (a.Id, a.Approve, a.Reason)));
        Assert.All(answers, a => Assert.Equal((ApprovalProtocol.ChannelCli, "bob", true), (a.Channel, a.Approver.User, a.Approver.Authenticated)));
        Assert.All(answers, a => Assert.Equal(["sre"], a.Approver.Groups));
    }

    [Fact]
    public async Task Deny_without_a_reason_is_refused_before_the_server_is_asked()
    {
        var approval = _desk.Add("", "alice", ["group:sre"]);

        var missing = await RunAsync("approvals", "deny", approval.Id);
        var blank = await RunAsync("approvals", "deny", approval.Id, "--reason", "  ");

        Assert.NotEqual(0, missing.Exit);
        Assert.Contains("--reason", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, blank.Exit);
        Assert.Contains("--reason must say why", blank.Stderr, StringComparison.Ordinal);
        Assert.Empty(_desk.Answers);
    }

    [Fact]
    public async Task A_refusal_exits_1_with_the_servers_message()
    {
        var approval = _desk.Add("", "alice", ["user:carol"]);
        var readToken = LocalServer.TokenFile(_dir, "reader", TokenScope.Read, "bob");

        var notAllowed = await RunAsync("approvals", "approve", approval.Id);
        var unknown = await RunAsync("approvals", "approve", "apr_nothing");
        var withRead = await InProcessCli.RunAsync("approvals", "approve", approval.Id, "--server", _server.HttpAddress!, "--token-file", readToken);
        var listWithRead = await InProcessCli.RunAsync("approvals", "list", "--server", _server.HttpAddress!, "--token-file", readToken);
        var unreachable = await InProcessCli.RunAsync("approvals", "list", "--server", "http://127.0.0.1:1", "--token-file", readToken);

        Assert.Equal(1, notAllowed.Exit);
        Assert.Contains("the server answered 403: only user:carol may answer this approval (not_allowed)", notAllowed.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("404: no such approval (not_found)", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, withRead.Exit);
        Assert.Contains("403: permission denied", withRead.Stderr, StringComparison.Ordinal);
        Assert.Equal((0, ""), (listWithRead.Exit, listWithRead.Stderr));
        Assert.Contains(approval.Id, listWithRead.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, unreachable.Exit);
        Assert.Equal(ApprovalProtocol.StatusPending, (await _desk.FindAsync(null, approval.Id, default))!.Status);
    }
}
