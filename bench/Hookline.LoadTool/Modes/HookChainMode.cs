using System.Diagnostics;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;
using Hookline.LoadTool.Native;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// The whole chain an agent pays per tool call: spawn the AOT hook → Unix socket → sidecar → stream → server →
/// back, until the hook is reaped. Measured side by side with spawning <c>/bin/true</c>, one of each in turn.
/// By default server and sidecar run in this process; <c>--processes</c> runs each as its own process of the published
/// Native AOT <c>hookline</c>, as deployed. <c>--gap-ms N</c> idles N ms before each pair, so every hook meets a
/// sidecar whose threads have parked (an agent calls tools seconds apart, not back to back).
/// </summary>
internal static class HookChainMode
{
    private const string TruePath = "/bin/true";

    // The empty Native AOT program (bench/EmptyAot) as bench/hook-startup.sh publishes it: the floor issue 18 compares with.
    private static string EmptyAotPath => Path.Combine(RepoPaths.Root, "artifacts", "bench", "empty-aot", "empty-aot");

    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        if (!File.Exists(RepoPaths.Hook))
        {
            report.Note($"hook-chain skipped: {RepoPaths.Hook} does not exist; run ./build.sh first.");
            return true;
        }
        var n = options.Int("n", 400);
        var warmup = options.Int("warmup", 40);

        var gap = TimeSpan.FromMilliseconds(options.Int("gap-ms", 0));
        var processes = options.Text("processes") is not null;
        if (processes && !File.Exists(RepoPaths.Cli))
        {
            report.Note($"hook-chain --processes skipped: {RepoPaths.Cli} does not exist; run ./build.sh first.");
            return true;
        }

        using var directory = new TempDirectory("chain");
        await using var stack = processes ? await ChainStack.InProcessesAsync(directory, RssMode.SidecarEnvironment(options)) : await ChainStack.InThisProcessAsync(directory);
        var stdinFiles = Enumerable.Range(0, SampleEvents.Count).Select(i =>
        {
            var path = directory.Combine($"stdin-{i}.json");
            File.WriteAllBytes(path, SampleEvents.ClaudeStdin(i));
            return path;
        }).ToArray();
        var verified = await VerifyDenyAsync(stack.SocketPath, report);

        var environment = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOOKLINE_SOCKET"] = stack.SocketPath,
            ["HOOKLINE_FAIL_MODE"] = "closed",
        };
        var hooks = stdinFiles.Select(f => new ChildSpawner(RepoPaths.Hook, ["--agent", "claude", "--event", "pre-tool-use"], environment, f)).ToArray();
        // --baseline names the program to compare with; by default the empty AOT program when published, else /bin/true.
        var baselinePath = options.Text("baseline") ?? (File.Exists(EmptyAotPath) ? EmptyAotPath : TruePath);
        var baselineName = baselinePath == EmptyAotPath ? "empty Native AOT program" : baselinePath;
        using var baseline = new ChildSpawner(baselinePath, [], environment, stdinFiles[0]);
        // Hand-offs to the thread pool, counted rather than timed: a figure that a busy machine does not blur.
        var workItemsBefore = ThreadPool.CompletedWorkItemCount;
        var (hookRuns, trueRuns, failures) = await Task.Factory.StartNew(() => Alternate(hooks, baseline, warmup, n, gap),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var workItemsPerHook = (ThreadPool.CompletedWorkItemCount - workItemsBefore) / (double)(warmup + n);
        foreach (var hook in hooks)
        {
            hook.Dispose();
        }

        var h = LatencySummary.FromTicks(hookRuns.Select(r => r.Ticks).ToArray());
        var t = LatencySummary.FromTicks(trueRuns.Select(r => r.Ticks).ToArray());
        var where = processes ? "`hookline server` and `hookline sidecar` as their own Native AOT processes" : "server and sidecar in this process";
        report.Note($"Hook chain: {n} spawns each of `{RepoPaths.Hook} --agent claude --event pre-tool-use` (Claude PreToolUse stdin, 10 events rotating) and `{baselinePath}`, alternating, after {warmup} warm-up each, {gap.TotalMilliseconds:0} ms idle before each pair; posix_spawn → wait4; {where}, on loopback.");
        report.Table("Hook process chain (µs)", ["program", "n", "p50", "p90", "p99", "max", "minor page faults (median)"],
        [
            Row(baselineName, t, trueRuns),
            Row("hookline-hook, full chain", h, hookRuns),
            ["ratio hook / baseline", "", Report.Fixed(h.P50 / t.P50) + "×", Report.Fixed(h.P90 / t.P90) + "×", Report.Fixed(h.P99 / t.P99) + "×", "", ""],
        ]);
        report.Figure($"full hook chain / {baselineName}, p50", Report.Fixed(h.P50 / t.P50) + "×",
            baselinePath == EmptyAotPath ? "hook-chain" : "hook-chain (run bench/hook-startup.sh once to publish the empty AOT program)");
        if (!processes)
        {
            report.Note($"Thread-pool work items per hook in this process (server and sidecar): {workItemsPerHook:0.00}.");
        }
        report.Note($"Decision sources in the sidecar: {await stack.SourcesAsync()}. Hook exits other than 0: {failures}. Target: p50 ≤ 3 ms, p99 ≤ 6 ms, p50 ≤ 1.25× the empty AOT program.");
        return verified && failures == 0;
    }

    private static (List<ChildRun> Hook, List<ChildRun> True, int Failures) Alternate(ChildSpawner[] hooks, ChildSpawner baseline, int warmup, int n, TimeSpan gap)
    {
        var hookRuns = new List<ChildRun>(n);
        var trueRuns = new List<ChildRun>(n);
        var failures = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < warmup + n && clock.Elapsed < TimeSpan.FromMinutes(3) + (warmup + n) * gap; i++)
        {
            if (gap > TimeSpan.Zero)
            {
                Thread.Sleep(gap);
            }
            // Alternate which goes first, so neither always follows the other.
            var hookFirst = i % 2 == 0;
            var first = hookFirst ? hooks[i % hooks.Length].Run() : baseline.Run();
            var second = hookFirst ? baseline.Run() : hooks[i % hooks.Length].Run();
            var (hook, truth) = hookFirst ? (first, second) : (second, first);
            if (hook.ExitCode != 0)
            {
                failures++;
            }
            if (i >= warmup)
            {
                hookRuns.Add(hook);
                trueRuns.Add(truth);
            }
        }
        return (hookRuns, trueRuns, failures);
    }

    private static string[] Row(string name, LatencySummary summary, List<ChildRun> runs) =>
    [
        name, summary.Count.ToString(), Report.Us(summary.P50), Report.Us(summary.P90), Report.Us(summary.P99), Report.Us(summary.Max),
        Median(runs.Select(r => r.MinorFaults)).ToString(),
    ];

    private static long Median(IEnumerable<long> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }

    /// <summary>One run with captured output: the denied compound command must come back as a Claude deny.</summary>
    private static async Task<bool> VerifyDenyAsync(string socketPath, Report report)
    {
        var info = new ProcessStartInfo(RepoPaths.Hook, ["--agent", "claude", "--event", "pre-tool-use"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["HOOKLINE_SOCKET"] = socketPath;
        using var process = Process.Start(info)!;
        await process.StandardInput.BaseStream.WriteAsync(SampleEvents.ClaudeStdin(3));
        process.StandardInput.Close();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var ok = process.ExitCode == 0 && stdout.Contains("\"permissionDecision\":\"deny\"", StringComparison.Ordinal);
        report.Line($"check: `cd /tmp && rm -rf build/ && ls` → exit {process.ExitCode}, stdout {stdout.Trim()} ({(ok ? "ok" : "UNEXPECTED")})");
        return ok;
    }
}
