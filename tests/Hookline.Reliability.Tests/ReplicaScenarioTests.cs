using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Hookline.Reliability.Tests;

/// <summary>
/// Two <c>hookline server --postgres</c> replicas on one real PostgreSQL database, with real sidecars and the published
/// hook: a replica killed mid-burst under four sidecars (two on each), and policy edits reaching the sidecars of both. Skipped only on a machine without
/// PostgreSQL (HOOKLINE_TEST_POSTGRES unset); in CI (<c>CI=true</c>) that fails instead.
/// </summary>
public sealed class ReplicaScenarioTests(ITestOutputHelper output)
{
    private const int Applies = 10;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task One_of_two_replicas_SIGKILLed_during_a_burst_of_1000_from_four_sidecars_every_hook_is_answered_in_bound_and_every_event_stored_once()
    {
        await using var stack = await ReplicaStack.StartAsync(2);
        var (a, b) = (stack.Replicas[0], stack.Replicas[1]);
        // Two sidecars on each replica; each fails over to the other one.
        var onA = new[] { await stack.StartSidecarAsync("a1", a.Url, b.Url), await stack.StartSidecarAsync("a2", a.Url, b.Url) };
        var onB = new[] { await stack.StartSidecarAsync("b1", b.Url, a.Url), await stack.StartSidecarAsync("b2", b.Url, a.Url) };
        var sidecars = onA.Concat(onB).ToArray();
        foreach (var (sidecar, url) in sidecars.Select((s, i) => (s, i < onA.Length ? a.Url : b.Url)))
        {
            var before = await SidecarProbe.StatusAsync(sidecar.SocketPath);
            Assert.Equal(("connected", url), (before.Stream, before.Server));
        }
        var cases = sidecars.Select((_, i) => Workload.Make($"repkill{i}", 1000 / sidecars.Length)).ToArray();
        var killAt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = 0;

        // Eight hook processes at a time in all, as in the single-sidecar scenarios.
        var bursts = sidecars.Select((sidecar, i) => Burst.RunAsync(sidecar.SocketPath, cases[i], concurrency: 2,
            progress: _ => { if (Interlocked.Increment(ref done) == 300) killAt.TrySetResult(); })).ToArray();
        await killAt.Task.WaitAsync(TimeSpan.FromMinutes(2));
        // Taken before the kill: A can store nothing after it, and B nothing of A's sidecars before they saw A die.
        var killedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await stack.KillAsync(a); // SIGKILL
        var outcomes = await Task.WhenAll(bursts);

        var byA = 0;
        var byB = 0;
        for (var i = 0; i < sidecars.Length; i++)
        {
            var (sidecar, sent) = (sidecars[i], cases[i]);
            Burst.AssertPolicyAnswers(outcomes[i]);
            var status = await SidecarProbe.DrainedAsync(sidecar.Process, sidecar.SocketPath);
            var stored = await StoredEvents.ReadPostgresAsync(stack.Database.ConnectionString, sidecar.SessionId);
            var (kept, duplicated, lost) = stored.Account(sent);
            var latencies = SidecarProbe.DecisionLatenciesMs(sidecar.Process);
            var blocking = sent.Count(c => c.Blocking);
            var wasOnA = i < onA.Length;
            byA += stored.Rows.Count(r => r.StoredAtMs <= killedAtMs);
            byB += stored.Rows.Count(r => r.StoredAtMs > killedAtMs);
            ScenarioReport.Write(output, $"PostgreSQL, 2 replicas, 4 sidecars: replica A SIGKILLed mid-burst; sidecar {i + 1} (on {(wasOnA ? "A" : "B")})",
                sent.Count, kept, duplicated, lost, outcomes[i], latencies,
                $"remote {status.From("remote")}, local {status.From("local")}; reconnects {status.Reconnects}, replayed {status.Replayed}");

            // Every event of this sidecar's session stored exactly once.
            Assert.Equal((sent.Count, 0, 0), (kept, duplicated, lost));
            Assert.Equal((sent.Count, sent.Count), (stored.Rows.Count, stored.Rows.Select(r => r.EventId).Distinct().Count()));
            // A's sidecars failed over to B; B's stayed. All end on B.
            Assert.Equal(("connected", b.Url), (status.Stream, status.Server));
            if (wasOnA)
            {
                Assert.True(status.Reconnects >= 1, $"sidecar {i + 1}: reconnects {status.Reconnects}");
            }
            // Every blocking hook got the policy's answer from a replica or the local snapshot, within the bound: none
            // fell to the fail mode.
            Assert.Equal(blocking, status.From("remote") + status.From("local"));
            FaultScenarioTests.AssertSourcesMatch(stored, status, "remote", "local", "fail_closed");
            FaultScenarioTests.AssertWithinBound(latencies, blocking);
        }
        // Both replicas stored part of the burst, in one chain.
        Assert.True(byA > 0 && byB > 0, $"A stored {byA}, B {byB}");
        var verify = await CliRun.RunAsync(["verify", "--postgres", stack.Database.ConnectionString]);
        Assert.True(verify.Exit == 0, $"hookline verify: {verify.Stdout}{verify.Stderr}");
        Assert.Contains("0 broken", verify.Stdout);
    }

    [SkippableFact]
    public async Task A_policy_applied_through_either_replica_reaches_the_sidecars_of_both()
    {
        await using var stack = await ReplicaStack.StartAsync(2);
        var (a, b) = (stack.Replicas[0], stack.Replicas[1]);
        var sidecars = new[] { await stack.StartSidecarAsync("on-a", a.Url), await stack.StartSidecarAsync("on-b", b.Url) };
        var epoch = (await SidecarProbe.StatusAsync(sidecars[0].SocketPath)).PolicyEpoch;
        Assert.Equal(epoch, (await SidecarProbe.StatusAsync(sidecars[1].SocketPath)).PolicyEpoch);
        await AssertCurlAnswerAsync(sidecars, null);

        var sameReplica = new List<double>();
        var otherReplica = new List<double>();
        var fromLaunch = new List<double>();
        for (var i = 1; i <= Applies; i++)
        {
            // Alternate the replica that takes the apply: the other one learns of it through LISTEN/NOTIFY.
            var target = i % 2 == 1 ? 0 : 1;
            var file = Path.Combine(stack.Directory, $"policy-{i}.yaml");
            await File.WriteAllTextAsync(file, Policies.Standard + $"""

                  - id: no-curl
                    effect: deny
                    match: "Bash(curl *)"
                    reason: "edit {i}"
                """);
            // Watching starts before the apply, so each line is timed as it arrives.
            var installed = sidecars.Select(s => ArrivalAsync(s.Process, $"Policy epoch {epoch + (ulong)i} installed")).ToArray();
            var launched = Stopwatch.GetTimestamp();
            await using var apply = ChildProcess.Start(Artifacts.Hookline, ["policy", "apply", file, "--server", stack.Replicas[target].HttpUrl]);
            var response = await ArrivalAsync(apply, $"applied as epoch {epoch + (ulong)i}");
            var arrivals = await Task.WhenAll(installed);
            for (var s = 0; s < sidecars.Length; s++)
            {
                // 0 when the sidecar held the epoch before the command printed the response: pushes go out at commit.
                (s == target ? sameReplica : otherReplica).Add(Math.Max(0, Stopwatch.GetElapsedTime(response, arrivals[s]).TotalMilliseconds));
                fromLaunch.Add(Stopwatch.GetElapsedTime(launched, arrivals[s]).TotalMilliseconds);
            }
        }

        foreach (var sidecar in sidecars)
        {
            Assert.Equal(epoch + Applies, (await SidecarProbe.StatusAsync(sidecar.SocketPath)).PolicyEpoch);
        }
        await AssertCurlAnswerAsync(sidecars, "deny");
        var all = sameReplica.Concat(otherReplica).ToList();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"policy apply -> sidecar holds the epoch, {Applies} applies x 2 sidecars: median {Median(all):0.0} ms, p99 {Burst.Percentile(all, 0.99):0.0} ms, " +
            $"max {all.Max():0.0} ms; via the replica that took the apply: median {Median(sameReplica):0.0} ms, max {sameReplica.Max():0.0} ms; " +
            $"via the other (LISTEN/NOTIFY): median {Median(otherReplica):0.0} ms, max {otherReplica.Max():0.0} ms; " +
            $"{all.Count(ms => ms <= 1000)} of {all.Count} within 1 s; from launching `hookline policy apply`: median {Median(fromLaunch):0.0} ms, " +
            $"p99 {Burst.Percentile(fromLaunch, 0.99):0.0} ms");
        ScenarioReport.WriteLine(output, line);
        // Not a timing assertion: every wait above is bounded only generously; the figures go to docs/benchmarks.md.
        Assert.All(all, ms => Assert.True(ms < Bound.TotalMilliseconds, line));
    }

    /// <summary>The timestamp at which a line containing <paramref name="text"/> is read from <paramref name="process"/>.</summary>
    private static async Task<long> ArrivalAsync(ChildProcess process, string text)
    {
        await process.WaitForLineAsync(text, Bound);
        return Stopwatch.GetTimestamp();
    }

    private static async Task AssertCurlAnswerAsync(IEnumerable<ReplicaSidecar> sidecars, string? expected)
    {
        foreach (var sidecar in sidecars)
        {
            var run = await HookRun.SpawnAsync(sidecar.SocketPath, "pre-tool-use", HookRun.Bash("curl https://example.com"));
            Assert.True(run.ExitCode == 0 && run.PermissionDecision == expected, $"curl via {sidecar.SocketPath}: exit {run.ExitCode}, {run.Stdout}{run.Stderr}");
        }
    }

    private static double Median(IEnumerable<double> values) => Burst.Percentile(values, 0.5);
}
