using System.Text.Json;
using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>
/// Approvals with the real clients (docs/approvals.md): a command the policy sends to a person, through
/// <c>hookline start</c>'s embedded server. While the agent waits on its hook, the test answers with the real CLI
/// (<c>hookline approvals approve|deny</c>, inside the client's network namespace, against start's server): the
/// approved command runs; the denied one does not, and the model gets the approver's reason; the one nobody answers
/// times out after 3 s and its <c>on_timeout: deny</c> holds. Each answer and the timeout are in the audit trail.
/// </summary>
public sealed class ApprovalTests(ITestOutputHelper output)
{
    public const string DenyReason = "hookline-test: not during the release freeze";

    private const string Policy = """
        version: 1
        default: allow
        rules:
          - id: approve-or-deny
            effect: ask
            match: "Bash(touch *approval-*)"
            approval: {by: [any-approver], timeout: 60s}
          - id: nobody-answers
            effect: ask
            match: "Bash(touch *unanswered*)"
            approval: {by: [any-approver], timeout: 3s, on_timeout: deny}
          - id: project-writes
            effect: allow
            match: "Edit(./**)"
        """;

    [SkippableFact]
    public async Task Claude_code_waits_for_the_approver_runs_the_approved_command_and_tells_the_model_the_deny_reason()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        ClaudeCodeTests.Configure(run);
        await RunAndAnswerAsync(run, Start(run, "claude", ClaudeCodeTests.Prompt));
    }

    [SkippableFact]
    public async Task Codex_waits_for_the_approver_runs_the_approved_command_and_tells_the_model_the_deny_reason()
    {
        AgentClients.RequireClient("codex");
        using var run = new AgentRun(output);
        CodexTests.Configure(run);
        await RunAndAnswerAsync(run, Start(run, "codex", CodexTests.Exec));
    }

    /// <summary>
    /// <c>hookline start</c> with a decision budget of 2 s: on this shared machine (load 20 to 40) the server's pending
    /// answer, which opens the approval, often misses the default 8 ms, and the sidecar then decides alone (it never
    /// approves: on_timeout), so the approver would answer an approval nobody waits on.
    /// </summary>
    private static IReadOnlyList<string> Start(AgentRun run, string agent, string[] agentArgs) =>
        [.. run.Start(agent, agentArgs).Take(1), "start", "--budget-ms", "2000", .. run.Start(agent, agentArgs).Skip(2)];

    /// <summary>The model asks for three commands in turn; the approver approves the first and denies the second.</summary>
    private async Task RunAndAnswerAsync(AgentRun run, IReadOnlyList<string> command)
    {
        File.WriteAllText(run.PolicyFile, Policy);
        string[] commands = [$"touch {run.Project}/approval-granted.txt", $"touch {run.Project}/approval-refused.txt", $"touch {run.Project}/unanswered.txt"];
        var approver = new StartApprover(run, output);

        await run.RunAsync(commands, command, alongside: async () =>
        {
            await approver.AnswerNextAsync("approval-granted", approve: true, reason: null);
            await approver.AnswerNextAsync("approval-refused", approve: false, reason: DenyReason);
        });

        Assert.True(run.Exists("approval-granted.txt"), "the approved command did not run");
        Assert.False(run.Exists("approval-refused.txt"), "the denied command ran");
        Assert.False(run.Exists("unanswered.txt"), "the command nobody approved ran after its approval timed out");
        Assert.Contains(run.ModelRequests(), body => body.Contains(DenyReason, StringComparison.Ordinal));
        var events = await run.EventsAsync();
        Assert.Contains(events, e => IsPreToolUse(e, "approval-granted") && e.GetProperty("applied").GetString() == "allow"
            && e.GetProperty("source").GetString() == "approval");
        Assert.Contains(events, e => IsPreToolUse(e, "approval-refused") && e.GetProperty("applied").GetString() == "deny"
            && e.GetProperty("source").GetString() == "approval");
        Assert.Contains(events, e => IsPreToolUse(e, "unanswered") && e.GetProperty("applied").GetString() == "deny"
            && e.GetProperty("source").GetString() == "approval_timeout");
        // Each answer, and the timeout, is an audit row of its own.
        Assert.Equal(3, events.Count(e => e.GetProperty("hook_event").GetString() == "ApprovalAnswer"));
        Assert.Contains(events, e => Is(e, "PostToolUse", "approval-granted"));
    }

    private static bool IsPreToolUse(JsonElement e, string inputContains) => Is(e, "PreToolUse", inputContains);

    private static bool Is(JsonElement e, string hookEvent, string inputContains) =>
        e.GetProperty("hook_event").GetString() == hookEvent
        && (e.GetProperty("tool_input").GetString() ?? "").Contains(inputContains, StringComparison.Ordinal);
}

/// <summary>
/// The person who answers: <c>hookline approvals</c> against the server <c>hookline start</c> runs, reached inside the
/// client's network namespace with the approver token start prints on the terminal.
/// </summary>
internal sealed class StartApprover(AgentRun run, ITestOutputHelper output)
{
    /// <summary>The client may take a minute to start and to ask for its first command on this shared machine.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
    private (string Url, string Token)? _server;

    /// <summary>Waits for the next pending approval (its subject naming <paramref name="subject"/> when the server shows subjects), and answers it.</summary>
    public async Task AnswerNextAsync(string subject, bool approve, string? reason)
    {
        var (url, token) = _server ??= await ServerAsync();
        var environment = new Dictionary<string, string> { ["HOOKLINE_TOKEN"] = token };
        var id = await Eventually.FoundAsync(async () =>
        {
            var list = await run.HooklineBesideClientAsync(environment, "approvals", "list", "--json", "--server", url);
            return list.Exit == 0
                ? Pending(list.Stdout).Where(a => !_answered.Contains(a.Id) && (a.Subject.Length == 0 || a.Subject.Contains(subject, StringComparison.Ordinal))).Select(a => a.Id).FirstOrDefault()
                : null;
        }, Patience, () => $"no pending approval for {subject} appeared; start printed: {run.LiveStderr()}");
        string[] args = approve
            ? ["approvals", "approve", id, "--server", url]
            : ["approvals", "deny", id, "--reason", reason!, "--server", url];
        var answer = await run.HooklineBesideClientAsync(environment, args);
        output.WriteLine($"hookline {string.Join(' ', args[..3])}: exit {answer.Exit} {answer.Stdout}{answer.Stderr}");
        Assert.True(answer.Exit == 0, $"hookline {args[1]} {id} failed: {answer.Stderr}");
        _answered.Add(id);
    }

    /// <summary>The embedded server's HTTP address and this run's approver token, as <c>hookline start</c> prints them on stderr.</summary>
    private async Task<(string Url, string Token)> ServerAsync()
    {
        const string Line = "hookline: answer approvals with: HOOKLINE_TOKEN=";
        const string Server = " hookline approvals list --server ";
        (string, string)? found = null;
        await Eventually.TrueAsync(() =>
        {
            if (run.LiveStderr().Split('\n').FirstOrDefault(l => l.StartsWith(Line, StringComparison.Ordinal)) is not { } line)
            {
                return false;
            }
            var rest = line[Line.Length..].Trim();
            var at = rest.IndexOf(Server, StringComparison.Ordinal);
            found = (rest[(at + Server.Length)..], rest[..at]);
            return true;
        }, TimeSpan.FromMinutes(2), () => "hookline start printed no approvals address: " + run.LiveStderr());
        return found!.Value;
    }

    /// <summary>The pending approvals in <c>hookline approvals list --json</c> (a JSON array, or one object per line).</summary>
    private static IEnumerable<(string Id, string Subject)> Pending(string json)
    {
        var trimmed = json.Trim();
        IEnumerable<JsonElement> items = trimmed.StartsWith('[')
            ? JsonDocument.Parse(trimmed).RootElement.EnumerateArray().ToList()
            : trimmed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        foreach (var item in items)
        {
            if (item.TryGetProperty("status", out var status) && status.GetString() == "pending")
            {
                yield return (item.GetProperty("id").GetString()!, item.TryGetProperty("subject", out var subject) ? subject.GetString() ?? "" : "");
            }
        }
    }
}
