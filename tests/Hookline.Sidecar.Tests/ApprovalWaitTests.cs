using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Issue 17: a real sidecar holds a hook whose call waits for a person (the server's VERDICT_PENDING) over its real
/// Unix socket and a real gRPC stream: an interim frame tells the hook how long to wait, and the resolution, a broken
/// stream or the deadline decides; never a local fallback, never allow by accident.
/// </summary>
public sealed class ApprovalWaitTests : IAsyncLifetime
{
    private const string Deploy = "kubectl apply -f app.yaml --context prod-eu";
    private readonly TempDir _dir = new();
    private readonly ConcurrentQueue<HookDecision> _decisions = new();
    private ApprovalServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ApprovalServer.StartAsync();
        // kubectl waits for a person (approval "a-" + the event id, unless a test says otherwise); the rest is allowed.
        _server.Decide = e => e.ToolInput.ToStringUtf8().Contains("kubectl", StringComparison.Ordinal)
            ? ApprovalServer.Pending(e, "a-" + e.EventId, TimeSpan.FromSeconds(60))
            : Allow(e);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<HooklineSidecar> StartSidecarAsync(bool httpHooks = false, TimeSpan? budget = null)
    {
        var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = _server.Url,
            SocketPath = _dir.File($"s{Guid.NewGuid():N}"[..12] + ".sock"),
            StateDirectory = _dir.File("state"),
            OrphanFile = _dir.File("orphans.jsonl"),
            // Room for a loaded machine: the PENDING decision itself must come within the budget.
            Budget = budget ?? TimeSpan.FromSeconds(3),
            FailMode = SidecarFailMode.Closed,
            WarmupTimeout = TimeSpan.FromSeconds(10),
            MinReconnectDelay = TimeSpan.FromMilliseconds(10),
            HttpHooks = httpHooks,
        });
        sidecar.Decided += _decisions.Enqueue;
        return sidecar;
    }

    private static Decision Allow(HookEvent e) => new()
    {
        CorrelationId = e.CorrelationId,
        EventId = e.EventId,
        Verdict = Verdict.Allow,
        Reason = "allowed by rule",
        ReasonCode = "rule",
        RuleIds = { "ok" },
        PolicyEpoch = 1,
    };

    private static ApprovalResolved Answer(string approvalId, Verdict verdict, string by, string reason, string code) => new()
    {
        ApprovalId = approvalId,
        Verdict = verdict,
        AnsweredBy = by,
        Reason = reason,
        ReasonCode = code,
        Channel = ApprovalProtocol.ChannelCli,
        PolicyEpoch = 1,
    };

    /// <summary>The next event the sidecar sent that <paramref name="match"/> accepts.</summary>
    private async Task<HookEvent> SentAsync(Func<HookEvent, bool> match)
    {
        using var bound = new CancellationTokenSource(Bound.Hang);
        while (true)
        {
            var hookEvent = await _server.Events.Reader.ReadAsync(bound.Token);
            if (match(hookEvent))
            {
                return hookEvent;
            }
        }
    }

    /// <summary>The applied decision the sidecar sent for <paramref name="eventId"/> (its amendment).</summary>
    private Task<HookEvent> AmendmentAsync(string eventId) => SentAsync(e => e.EventId == eventId && !e.DecisionWanted && e.Applied is not null);

    private static Task<HookEvent> PendingEventAsync(ApprovalServer server, Func<HookEvent, bool>? match = null)
    {
        return Next();

        async Task<HookEvent> Next()
        {
            using var bound = new CancellationTokenSource(Bound.Hang);
            while (true)
            {
                var hookEvent = await server.Events.Reader.ReadAsync(bound.Token);
                if (hookEvent.DecisionWanted && hookEvent.ToolInput.ToStringUtf8().Contains("kubectl", StringComparison.Ordinal) && (match?.Invoke(hookEvent) ?? true))
                {
                    return hookEvent;
                }
            }
        }
    }

    [Fact]
    public async Task A_pending_answer_after_the_budget_still_holds_the_hook_and_the_approval_allows()
    {
        // The local policy says the call needs a person too: its own answer could only be the on_timeout deny.
        _server.Document = """
            version: 1
            rules:
              - id: prod-deploys
                effect: ask
                match: "Bash(kubectl * --context prod*)"
                approval: {by: [group:sre], timeout: 120s, on_timeout: deny}
            """;
        _server.Decide = _ => null;
        // The default budget (8 ms), which a loaded server's PENDING answer misses.
        await using var sidecar = await StartSidecarAsync(budget: new SidecarOptions().Budget);
        await _server.Opens.Reader.ReadAsync();

        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exchange = ApprovalClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(Deploy), approvalWaitMs: 90_000, waiting);
        var asked = await PendingEventAsync(_server);
        // Past the budget the sidecar neither answers nor gives the call up: it tells the hook to wait on for the server.
        await Task.WhenAny(waiting.Task, exchange).WaitAsync(Bound.Hang);
        if (exchange.IsCompleted)
        {
            var early = (await exchange).Final;
            Assert.Fail("the sidecar answered locally once its budget ran out: " + early.Stdout + early.Stderr);
        }

        Assert.True(_server.Current!.Writer.TryWrite(new ProcessHookEventResponse { Decision = ApprovalServer.Pending(asked, "a-late", TimeSpan.FromSeconds(60)) }));
        // Right behind it on the stream, as a quick approver's answer would be (the sidecar keeps an early resolution).
        Assert.True(_server.Resolve(Answer("a-late", Verdict.Allow, "alice", "", ApprovalProtocol.ApprovedCode)));
        var result = await exchange.WaitAsync(Bound.Hang);

        Assert.Equal("allow", result.Final.PermissionDecision);
        Assert.Contains("approved by alice", result.Final.Stdout, StringComparison.Ordinal);
        Assert.Contains(result.Interims, i => i.Message.StartsWith("waiting for approval by group:sre", StringComparison.Ordinal));
        var applied = (await AmendmentAsync(asked.EventId)).Applied;
        Assert.Equal((Verdict.Allow, DecisionSource.Approval), (applied.Verdict, applied.Source));
    }

    [Fact]
    public async Task Approved_the_hook_is_told_to_wait_and_then_allowed_by_the_approver()
    {
        await using var sidecar = await StartSidecarAsync();
        var open = await _server.Opens.Reader.ReadAsync();
        Assert.Contains(ApprovalProtocol.SidecarCapability, open.Capabilities);
        Assert.Contains(InputRewrite.SidecarCapability, open.Capabilities);

        var interimSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exchange = ApprovalClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(Deploy), approvalWaitMs: 90_000, interimSeen);
        var asked = await PendingEventAsync(_server);
        // The hook's own wait, less the sidecar's margin: the server never lets an approval outlive the hook.
        Assert.InRange(asked.ApprovalWaitMs, 88_000u, 89_000u);
        await interimSeen.Task.WaitAsync(Bound.Hang);

        Assert.True(_server.Resolve(Answer("a-" + asked.EventId, Verdict.Allow, "alice", "", ApprovalProtocol.ApprovedCode)));
        var result = await exchange.WaitAsync(Bound.Hang);

        var interim = Assert.Single(result.Interims);
        Assert.Matches(@"^waiting for approval by group:sre \(up to (59|60) s\)$", interim.Message);
        // Up to the approval's expiry (60 s), plus the margin within which the final answer comes.
        Assert.InRange(interim.WaitMs, 58_000u, 61_000u);
        Assert.Equal("allow", result.Final.PermissionDecision);
        Assert.Contains("approved by alice", result.Final.Stdout, StringComparison.Ordinal);
        var applied = (await AmendmentAsync(asked.EventId)).Applied;
        Assert.Equal((Verdict.Allow, DecisionSource.Approval, ApprovalProtocol.ApprovedCode), (applied.Verdict, applied.Source, applied.ReasonCode));
        Assert.Equal(["prod-deploys"], applied.RuleIds);
        Assert.Contains(_decisions, d => d.EventId == asked.EventId && d.Source == "approval" && d.Verdict == "allow");
    }

    [Fact]
    public async Task Denied_the_hook_is_denied_with_the_approvers_reason()
    {
        await using var sidecar = await StartSidecarAsync();
        var exchange = ApprovalClient.SendAsync(sidecar.SocketPath, "codex", "pre-tool-use", HookClient.Bash(Deploy));
        var asked = await PendingEventAsync(_server);

        Assert.True(_server.Resolve(Answer("a-" + asked.EventId, Verdict.Deny, "alice", "not during the freeze", ApprovalProtocol.DeniedCode)));
        var result = await exchange.WaitAsync(Bound.Hang);

        Assert.Equal("deny", result.Final.PermissionDecision);
        Assert.Contains("denied by alice: not during the freeze", result.Final.Stdout, StringComparison.Ordinal);
        var applied = (await AmendmentAsync(asked.EventId)).Applied;
        Assert.Equal((Verdict.Deny, DecisionSource.Approval, ApprovalProtocol.DeniedCode), (applied.Verdict, applied.Source, applied.ReasonCode));
    }

    [Theory]
    [InlineData("claude", "ask", "no answer from group:sre within")]
    [InlineData("codex", "deny", "approval needed: no answer from group:sre within")]
    public async Task Timed_out_on_the_server_the_on_timeout_ask_goes_through_the_agents_ask_path(string agent, string expected, string reason)
    {
        await using var sidecar = await StartSidecarAsync();
        var exchange = ApprovalClient.SendAsync(sidecar.SocketPath, agent, "pre-tool-use", HookClient.Bash(Deploy));
        var asked = await PendingEventAsync(_server);

        var timedOut = Answer("a-" + asked.EventId, Verdict.Ask, "", "expired", ApprovalProtocol.TimedOutCode);
        timedOut.TimedOut = true;
        timedOut.Channel = ApprovalProtocol.ChannelTimeout;
        Assert.True(_server.Resolve(timedOut));
        var result = await exchange.WaitAsync(Bound.Hang);

        Assert.Equal(expected, result.Final.PermissionDecision);
        Assert.Contains(reason, result.Final.Stdout, StringComparison.Ordinal);
        var applied = (await AmendmentAsync(asked.EventId)).Applied;
        Assert.Equal((Verdict.Ask, DecisionSource.ApprovalTimeout, ApprovalProtocol.TimedOutCode), (applied.Verdict, applied.Source, applied.ReasonCode));
    }

    [Fact]
    public async Task Timed_out_with_an_allow_verdict_from_the_server_is_still_a_deny()
    {
        await using var sidecar = await StartSidecarAsync();
        var exchange = ApprovalClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(Deploy));
        var asked = await PendingEventAsync(_server);

        var confused = Answer("a-" + asked.EventId, Verdict.Allow, "", "", ApprovalProtocol.TimedOutCode);
        confused.TimedOut = true;
        Assert.True(_server.Resolve(confused));

        Assert.Equal("deny", (await exchange.WaitAsync(Bound.Hang)).Final.PermissionDecision);
    }

    [Fact]
    public async Task No_resolution_before_the_approval_expires_applies_on_timeout_in_the_sidecar()
    {
        _server.Decide = e => ApprovalServer.Pending(e, "a-short", TimeSpan.FromMilliseconds(1500), Verdict.Deny, "group:sre");
        await using var sidecar = await StartSidecarAsync();

        var result = await ApprovalClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(Deploy)).WaitAsync(Bound.Hang);

        Assert.Single(result.Interims);
        Assert.Equal("deny", result.Final.PermissionDecision);
        Assert.Matches(@"no answer from group:sre within \d+ s", result.Final.Stdout);
        var asked = await PendingEventAsync(_server);
        var applied = (await AmendmentAsync(asked.EventId)).Applied;
        Assert.Equal((Verdict.Deny, DecisionSource.ApprovalTimeout, ApprovalProtocol.TimedOutCode), (applied.Verdict, applied.Source, applied.ReasonCode));
    }

    [Fact]
    public async Task The_hooks_own_deadline_ends_the_wait_before_the_approval_expires()
    {
        await using var sidecar = await StartSidecarAsync();

        // The hook can wait 2.5 s: the sidecar answers 1 s before that, whatever the approval's expiry (60 s).
        var result = await ApprovalClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(Deploy), approvalWaitMs: 2500)
            .WaitAsync(Bound.Hang);

        var interim = Assert.Single(result.Interims);
        Assert.InRange(interim.WaitMs, 1000u, 2500u);
        Assert.Equal("deny", result.Final.PermissionDecision);
        Assert.Contains("no answer from group:sre", result.Final.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_stream_resumes_the_wait_on_the_next_one_while_other_hooks_and_telemetry_flow()
    {
        await using var sidecar = await StartSidecarAsync();
        await _server.Opens.Reader.ReadAsync();
        var interimSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = ApprovalClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(Deploy), interimSeen: interimSeen);
        var asked = await PendingEventAsync(_server);
        await interimSeen.Task.WaitAsync(Bound.Hang);

        // While it waits, another blocking hook is decided by the server and telemetry is sent on.
        var other = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));
        Assert.Equal("allow", other.PermissionDecision);

        _server.BreakStream();
        var resumed = await _server.Awaits.Reader.ReadAsync().AsTask().WaitAsync(Bound.Hang);
        Assert.Equal(("a-" + asked.EventId, asked.EventId), (resumed.ApprovalId, resumed.EventId));
        Assert.False(waiting.IsCompleted, "the hook was answered when the stream broke: a local fallback decided a pending call");

        var telemetry = await HookClient.SendAsync(sidecar.SocketPath, "claude", "post-tool-use", HookClient.Bash("git status"));
        Assert.Equal(0, telemetry.ExitCode);
        await SentAsync(e => !e.DecisionWanted && e.HookEventName == "PostToolUse");

        Assert.True(_server.Resolve(Answer("a-" + asked.EventId, Verdict.Allow, "bob", "", ApprovalProtocol.ApprovedCode)));
        var result = await waiting.WaitAsync(Bound.Hang);
        Assert.Equal("allow", result.Final.PermissionDecision);
        Assert.Contains("approved by bob", result.Final.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identical_requests_folded_into_one_approval_are_all_answered_by_its_resolution()
    {
        _server.Decide = e => e.ToolInput.ToStringUtf8().Contains("kubectl", StringComparison.Ordinal)
            ? ApprovalServer.Pending(e, "a-folded", TimeSpan.FromSeconds(60))
            : Allow(e);
        await using var sidecar = await StartSidecarAsync();
        var seen = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var first = ApprovalClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(Deploy), interimSeen: seen[0]);
        var second = ApprovalClient.SendAsync(sidecar.SocketPath, "gemini", "before-tool",
            JsonSerializer.Serialize(new { session_id = "g", cwd = "/tmp", tool_name = "run_shell_command", tool_input = new { command = Deploy } }), interimSeen: seen[1]);
        await Task.WhenAll(seen.Select(s => s.Task)).WaitAsync(Bound.Hang);

        Assert.True(_server.Resolve(Answer("a-folded", Verdict.Deny, "alice", "no", ApprovalProtocol.DeniedCode)));

        Assert.Equal("deny", (await first.WaitAsync(Bound.Hang)).Final.PermissionDecision);
        var gemini = (await second.WaitAsync(Bound.Hang)).Final;
        Assert.Equal("deny", JsonDocument.Parse(gemini.Stdout).RootElement.GetProperty("decision").GetString());
        Assert.Contains("denied by alice: no", gemini.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_1_hook_cannot_wait_and_a_pending_call_is_denied_at_once()
    {
        await using var sidecar = await StartSidecarAsync();

        // HookClient sends the version 1 frame an older hook sends: no deadline, so approval_wait_ms 0.
        var result = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(Deploy));

        var asked = await PendingEventAsync(_server);
        Assert.Equal(0u, asked.ApprovalWaitMs);
        Assert.Equal("deny", result.PermissionDecision);
    }

    [Fact]
    public async Task A_claude_http_hook_simply_waits_for_the_resolution()
    {
        await using var sidecar = await StartSidecarAsync(httpHooks: true);
        using var http = new HttpClient { Timeout = Bound.Hang };
        using var request = new HttpRequestMessage(HttpMethod.Post, sidecar.HttpHookUrl + "pre-tool-use")
        {
            Content = new StringContent(HookClient.Bash(Deploy), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(HooklineSidecar.HttpSecretHeader, sidecar.HttpHookSecret);
        var response = http.SendAsync(request);

        var asked = await PendingEventAsync(_server);
        Assert.Equal((uint)(Hookline.Shared.AgentNames.ApprovalWaitCapMs - 1000), asked.ApprovalWaitMs);
        Assert.True(_server.Resolve(Answer("a-" + asked.EventId, Verdict.Allow, "alice", "ship it", ApprovalProtocol.ApprovedCode)));

        using var answered = await response.WaitAsync(Bound.Hang);
        var body = await answered.Content.ReadAsStringAsync();
        Assert.Equal("allow", HookClient.PermissionDecisionOf(body));
        Assert.Contains("approved by alice: ship it", body, StringComparison.Ordinal);
    }
}
