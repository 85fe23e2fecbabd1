namespace Hookline.Reliability.Tests;

/// <summary>A hook call and how the published hook process answered it.</summary>
internal sealed record HookOutcome(HookCase Case, HookRun Run);

/// <summary>Spawns the published hook for many cases, a bounded number at a time, as parallel subagents would.</summary>
internal static class Burst
{
    /// <param name="progress">Called with the number of hooks finished so far, after each one.</param>
    public static async Task<List<HookOutcome>> RunAsync(string socket, IReadOnlyList<HookCase> cases, int concurrency,
        string failMode = "closed", Action<int>? progress = null)
    {
        var results = new HookOutcome[cases.Count];
        var next = -1;
        var done = 0;
        async Task Worker()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < cases.Count)
            {
                var hookCase = cases[index];
                results[index] = new HookOutcome(hookCase, await HookRun.SpawnAsync(socket, hookCase.Event, hookCase.Stdin, failMode));
                progress?.Invoke(Interlocked.Increment(ref done));
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        return [.. results];
    }

    /// <summary>Spawns hooks for <paramref name="duration"/> (a time-bound workload, not a wait), returns what ran.</summary>
    public static async Task<List<HookOutcome>> RunForAsync(string socket, string scenario, TimeSpan duration, int concurrency)
    {
        var results = new List<HookOutcome>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var round = 0;
        while (clock.Elapsed < duration)
        {
            var cases = Workload.Make($"{scenario}{round++:D3}", concurrency * 2);
            results.AddRange(await RunAsync(socket, cases, concurrency));
        }
        return results;
    }

    /// <summary>The answer each case must get from a sidecar that decided with the policy (remote or local).</summary>
    public static void AssertPolicyAnswers(IEnumerable<HookOutcome> outcomes)
    {
        foreach (var (hookCase, run) in outcomes)
        {
            Assert.True(run.ExitCode == 0, $"{hookCase.ToolUseId}: exit {run.ExitCode}, stderr {run.Stderr}");
            Assert.True(hookCase.ExpectedDecision == run.PermissionDecision,
                $"{hookCase.ToolUseId}: expected {hookCase.ExpectedDecision ?? "no answer"}, got {run.PermissionDecision ?? "no answer"}: {run.Stdout}");
        }
    }

    public static double P99Ms(IEnumerable<HookOutcome> outcomes) => Percentile(outcomes.Select(o => o.Run.Elapsed.TotalMilliseconds), 0.99);

    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
