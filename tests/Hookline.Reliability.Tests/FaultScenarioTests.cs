using Xunit.Abstractions;

namespace Hookline.Reliability.Tests;

/// <summary>
/// Faults between a real sidecar process and a real server process, through a TCP proxy. Each scenario checks the
/// answers and their sources, a generous latency bound, and that the server stored every event exactly once.
/// </summary>
public sealed class FaultScenarioTests(ITestOutputHelper output)
{
    // Generous: the budget is 8 ms, but a loaded 2-core machine can stall any process for a while.
    private static readonly TimeSpan SidecarBound = TimeSpan.FromSeconds(2);

    private sealed record Stack(FaultProxy Proxy, ProcessStack Processes) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Processes.DisposeAsync();
            await Proxy.DisposeAsync();
        }
    }

    private static async Task<Stack> StartAsync(string failMode = "closed", bool blackholed = false)
    {
        var port = Ports.Free();
        var proxy = FaultProxy.Start(port);
        if (blackholed)
        {
            proxy.Blackhole();
        }
        return new Stack(proxy, await ProcessStack.StartAsync(failMode: failMode, port: port, sidecarServerUrl: proxy.Url));
    }

    /// <summary>The stored rows match the sidecar's own counters, source by source, for blocking events.</summary>
    internal static void AssertSourcesMatch(StoredEvents stored, SidecarStatus status, params string[] sources)
    {
        foreach (var source in sources)
        {
            Assert.True(status.From(source) == stored.CountSource(source),
                $"{source}: the sidecar answered {status.From(source)}, the audit trail holds {stored.CountSource(source)}");
        }
    }

    internal static void AssertWithinBound(List<double> latenciesMs, int atLeast)
    {
        Assert.True(latenciesMs.Count >= atLeast, $"only {latenciesMs.Count} sidecar latencies logged, expected {atLeast}");
        Assert.True(latenciesMs.Max() < SidecarBound.TotalMilliseconds, $"slowest answer {latenciesMs.Max():0.0} ms");
    }

    [Fact]
    public async Task Server_killed_during_a_burst_of_1000_then_restarted_stores_every_event_once()
    {
        await using var stack = await StartAsync();
        var s = stack.Processes;
        var cases = Workload.Make("srvkill", 1000);
        var killAt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var burst = Burst.RunAsync(s.SocketPath, cases, concurrency: 8, progress: done => { if (done == 300) killAt.TrySetResult(); });
        await killAt.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await s.KillServerAsync(); // SIGKILL
        await s.StartServerAsync();
        var outcomes = await burst;

        Burst.AssertPolicyAnswers(outcomes);
        var status = await SidecarProbe.DrainedAsync(s.Sidecar!, s.SocketPath);
        var stored = await StoredEvents.ReadAsync(s.DatabasePath, s.SessionId);
        var (kept, duplicated, lost) = stored.Account(cases);
        var latencies = SidecarProbe.DecisionLatenciesMs(s.Sidecar!);
        ScenarioReport.Write(output, "server SIGKILL mid-burst, restarted", cases.Count, kept, duplicated, lost, outcomes, latencies,
            $"remote {status.From("remote")}, local {status.From("local")}, reconnects {status.Reconnects}, replayed {status.Replayed}");

        Assert.Equal((cases.Count, 0, 0), (kept, duplicated, lost));
        Assert.Equal(cases.Count, stored.Rows.Count);
        Assert.True(status.From("remote") > 0 && status.Reconnects >= 1, $"remote {status.From("remote")}, reconnects {status.Reconnects}");
        AssertSourcesMatch(stored, status, "remote", "local", "fail_closed");
        AssertWithinBound(latencies, cases.Count(c => c.Blocking));
    }

    [Fact]
    public async Task A_network_blackholed_for_10_s_is_detected_hooks_answer_locally_and_every_event_arrives_after_the_heal()
    {
        await using var stack = await StartAsync();
        var s = stack.Processes;
        var warm = await Burst.RunAsync(s.SocketPath, Workload.Make("bhwarm", 16), concurrency: 4);
        var before = await SidecarProbe.StatusAsync(s.SocketPath);

        stack.Proxy.Blackhole();
        var during = await Burst.RunForAsync(s.SocketPath, "bh", TimeSpan.FromSeconds(10), concurrency: 4);
        var whileDown = await SidecarProbe.StatusAsync(s.SocketPath);
        stack.Proxy.Heal();

        Burst.AssertPolicyAnswers(warm.Concat(during));
        // Only application pings can tell: no RST, no FIN came.
        Assert.True(s.Sidecar!.SawLine("No message from the server for"), "the silent stream was not detected by its pings");
        Assert.Equal(before.From("remote"), whileDown.From("remote"));
        Assert.Equal(during.Count(o => o.Case.Blocking), whileDown.From("local") - before.From("local"));
        var status = await SidecarProbe.DrainedAsync(s.Sidecar!, s.SocketPath);
        var stored = await StoredEvents.ReadAsync(s.DatabasePath, s.SessionId);
        var sent = warm.Concat(during).Select(o => o.Case).ToList();
        var (kept, duplicated, lost) = stored.Account(sent);
        var latencies = SidecarProbe.DecisionLatenciesMs(s.Sidecar!);
        ScenarioReport.Write(output, "network blackholed 10 s, healed", sent.Count, kept, duplicated, lost, warm.Concat(during), latencies,
            $"local {status.From("local")}, budget misses {status.BudgetMisses}, reconnects {status.Reconnects}, replayed {status.Replayed}");

        Assert.Equal((sent.Count, 0, 0), (kept, duplicated, lost));
        Assert.Equal(sent.Count, stored.Rows.Count);
        Assert.True(status.Reconnects >= 1);
        AssertSourcesMatch(stored, status, "remote", "local");
        AssertWithinBound(latencies, sent.Count(c => c.Blocking));
    }

    [Fact]
    public async Task Sidecar_killed_mid_burst_and_restarted_replays_its_spool_and_loses_nothing()
    {
        await using var stack = await StartAsync();
        var s = stack.Processes;
        var first = Workload.Make("sckill", 400);
        var second = Workload.Make("scback", 600);
        // Slow acknowledgements: when the sidecar dies, its spool holds events the server has not confirmed.
        stack.Proxy.DownstreamDelay = TimeSpan.FromMilliseconds(300);
        var killed = s.Sidecar!;
        var killAt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var burst = Burst.RunAsync(s.SocketPath, first, concurrency: 8, progress: done => { if (done == 250) killAt.TrySetResult(); });
        await killAt.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await s.KillSidecarAsync();
        var firstOutcomes = await burst;
        stack.Proxy.DownstreamDelay = TimeSpan.Zero;

        await s.StartSidecarAsync();
        var secondOutcomes = await Burst.RunAsync(s.SocketPath, second, concurrency: 8);

        // A hook that found no sidecar applied its fail mode and left an orphan record; the others got the policy's answer.
        bool Alone(HookOutcome o) => o.Run.Stderr.Contains("policy unavailable", StringComparison.Ordinal);
        var failedBlocking = firstOutcomes.Count(Alone);
        Burst.AssertPolicyAnswers(firstOutcomes.Where(o => o.Case.Blocking && !Alone(o)).Concat(secondOutcomes));
        // Logged at start-up, before the socket line the restart waited for.
        var restartLine = s.Sidecar!.Output.Split('\n').First(l => l.Contains("Spool:", StringComparison.Ordinal));
        var status = await SidecarProbe.DrainedAsync(s.Sidecar!, s.SocketPath);
        var stored = await StoredEvents.ReadAsync(s.DatabasePath, s.SessionId);
        var hookRecords = stored.Rows.Count(r => r.Source == "hook");
        var sent = first.Concat(second).ToList();
        // Every hook the sidecar answered is stored exactly once under its tool_use_id.
        var answered = firstOutcomes.Where(o => o.Case.Blocking && !Alone(o)).Concat(secondOutcomes).Select(o => o.Case).ToList();
        var (_, duplicated, lostAnswered) = stored.Account(answered);
        // Every other tool call is there too: by its id (the sidecar read it before it died), or as the hook's orphan record.
        var byId = stored.ByToolUseId();
        var seen = sent.Count(c => byId.ContainsKey(c.ToolUseId));
        var lost = Math.Max(0, sent.Count - seen - hookRecords) + lostAnswered;
        var latencies = SidecarProbe.DecisionLatenciesMs(killed, s.Sidecar!);
        ScenarioReport.Write(output, "sidecar SIGKILL mid-burst, restarted", sent.Count, Math.Min(sent.Count, seen + hookRecords), duplicated, lost,
            firstOutcomes.Concat(secondOutcomes), latencies,
            $"{failedBlocking} blocking hooks found no sidecar (fail mode closed); {hookRecords} orphan records; " +
            $"{seen + hookRecords - sent.Count} calls recorded both ways; replayed {status.Replayed}");

        Assert.Contains("events of this session", restartLine);
        Assert.True(status.Replayed > 0, "the restarted sidecar resent nothing from its spool: " + restartLine);
        Assert.Equal((0, 0), (duplicated, lost));
        Assert.True(hookRecords >= failedBlocking, $"{failedBlocking} blocking hooks decided alone, {hookRecords} orphan records stored");
        AssertWithinBound(latencies, second.Count(c => c.Blocking));
    }

    [Fact]
    public async Task A_server_50_ms_slow_gets_local_answers_within_budget_and_its_late_answers_are_counted_not_applied()
    {
        await using var stack = await StartAsync();
        var s = stack.Processes;
        stack.Proxy.DownstreamDelay = TimeSpan.FromMilliseconds(50);
        var before = await SidecarProbe.StatusAsync(s.SocketPath);

        var outcomes = await Burst.RunAsync(s.SocketPath, Workload.Make("slow", 200), concurrency: 4);

        Burst.AssertPolicyAnswers(outcomes);
        var status = await SidecarProbe.DrainedAsync(s.Sidecar!, s.SocketPath);
        var blocking = outcomes.Count(o => o.Case.Blocking);
        var local = status.From("local") - before.From("local");
        var remote = status.From("remote") - before.From("remote");
        Assert.Equal(blocking, local + remote);
        // A remote answer here took over 50 ms: only a machine stalled past the budget's timer could produce one.
        Assert.True(remote <= blocking / 20, $"{remote} of {blocking} hooks waited for the 50 ms answer");
        Assert.Equal(local, status.BudgetMisses - before.BudgetMisses);
        // Every answer the server sent arrived late, found no waiting hook, and was only counted.
        Assert.Equal(local, status.LateDecisions - before.LateDecisions);
        var stored = await StoredEvents.ReadAsync(s.DatabasePath, s.SessionId);
        var (kept, duplicated, lost) = stored.Account(outcomes.Select(o => o.Case));
        var latencies = SidecarProbe.DecisionLatenciesMs(s.Sidecar!);
        ScenarioReport.Write(output, "server answers 50 ms late", outcomes.Count, kept, duplicated, lost, outcomes, latencies,
            $"local {local}, remote {remote}, late answers counted {status.LateDecisions - before.LateDecisions}");

        Assert.Equal((outcomes.Count, 0, 0), (kept, duplicated, lost));
        // The audit trail records what the agent got (local), beside what the server said (the same policy, so alike).
        Assert.Equal(local, stored.CountSource("local"));
        Assert.All(stored.Rows.Where(r => r.HookEvent == "PreToolUse"), r => Assert.Equal(r.Evaluated, r.Applied));
        AssertWithinBound(latencies, blocking);
    }

    [Fact]
    public async Task Two_hundred_hooks_at_once_are_all_answered_within_budget_and_stored_once()
    {
        await using var stack = await StartAsync();
        var s = stack.Processes;
        var cases = Workload.Make("wave", 200);

        // All at once, straight on the socket: what 40 subagents firing together look like to the sidecar.
        var outcomes = await Task.WhenAll(cases.Select(c => Task.Run(async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (exit, stdout, stderr) = HookSocket.Parse(await HookSocket.ExchangeAsync(s.SocketPath, HookSocket.Request("claude", c.Event, c.Stdin)));
            return new HookOutcome(c, new HookRun(exit, stdout, stderr, clock.Elapsed));
        })));

        Burst.AssertPolicyAnswers(outcomes);
        var status = await SidecarProbe.DrainedAsync(s.Sidecar!, s.SocketPath);
        var stored = await StoredEvents.ReadAsync(s.DatabasePath, s.SessionId);
        var (kept, duplicated, lost) = stored.Account(cases);
        var latencies = SidecarProbe.DecisionLatenciesMs(s.Sidecar!);
        var blocking = cases.Count(c => c.Blocking);
        ScenarioReport.Write(output, "200 hooks at once (socket round trip)", cases.Count, kept, duplicated, lost, outcomes, latencies,
            $"remote {status.From("remote")}, local {status.From("local")}, budget misses {status.BudgetMisses}");

        Assert.Equal((cases.Count, 0, 0), (kept, duplicated, lost));
        Assert.Equal(blocking, status.From("remote") + status.From("local"));
        AssertSourcesMatch(stored, status, "remote", "local");
        AssertWithinBound(latencies, blocking);
    }

    [Theory]
    [InlineData("closed", "deny")]
    [InlineData("open", null)]
    public async Task With_no_snapshot_ever_received_blocking_hooks_get_the_fail_mode(string failMode, string? expected)
    {
        await using var stack = await StartAsync(failMode, blackholed: true);
        var s = stack.Processes;
        var cases = Workload.Make("fail" + failMode, 40);

        var outcomes = await Burst.RunAsync(s.SocketPath, cases, concurrency: 4, failMode: failMode);
        var status = await SidecarProbe.StatusAsync(s.SocketPath);
        stack.Proxy.Heal();

        foreach (var (hookCase, run) in outcomes)
        {
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(hookCase.Blocking ? expected : null, run.PermissionDecision);
        }
        Assert.Equal((0UL, (long?)null), (status.PolicyEpoch, status.SnapshotAgeMs));
        var source = failMode == "closed" ? "fail_closed" : "fail_open";
        var blocking = cases.Count(c => c.Blocking);
        Assert.Equal(blocking, status.From(source));
        Assert.Equal(blocking, status.Of(failMode == "closed" ? "deny" : "allow", source));
        var drained = await SidecarProbe.DrainedAsync(s.Sidecar!, s.SocketPath);
        var stored = await StoredEvents.ReadAsync(s.DatabasePath, s.SessionId);
        var (kept, duplicated, lost) = stored.Account(cases);
        var latencies = SidecarProbe.DecisionLatenciesMs(s.Sidecar!);
        ScenarioReport.Write(output, $"no snapshot ever, fail mode {failMode}", cases.Count, kept, duplicated, lost, outcomes, latencies,
            $"{source} {blocking}; stored after the heal");

        Assert.Equal((cases.Count, 0, 0), (kept, duplicated, lost));
        Assert.Equal(blocking, stored.CountSource(source));
        AssertSourcesMatch(stored, drained, source);
        AssertWithinBound(latencies, blocking);
    }
}
