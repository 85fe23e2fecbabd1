using System.Diagnostics;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// Peak RSS of a <c>hookline server</c> and a <c>hookline sidecar</c>, each its own process of the published CLI,
/// after hook traffic driven through the sidecar's socket (frames sent in-process, as the hook binary would).
/// </summary>
internal static class RssMode
{
    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        if (!File.Exists(RepoPaths.Cli))
        {
            report.Note($"rss skipped: {RepoPaths.Cli} does not exist; run ./build.sh first.");
            return true;
        }
        var events = options.Int("events", 20_000);
        var concurrency = Math.Clamp(options.Int("concurrency", 8), 1, 256);

        using var directory = new TempDirectory("rss");
        var (server, url) = await CliProcess.StartServerAsync(directory);
        await using (server)
        {
            var socketPath = directory.Combine("hook.sock");
            await using var sidecar = CliProcess.Start(["sidecar", "--server", url, "--socket", socketPath,
                "--state-dir", directory.Combine("state"), "--log-level", "Warning"], SidecarEnvironment(options));
            await sidecar.WaitForLineAsync(l => l.StartsWith("HOOKLINE_SOCKET=", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
            var idleServer = server.Rss();
            var idleSidecar = sidecar.Rss();

            var frames = Enumerable.Range(0, SampleEvents.Count)
                .Select(i => SocketHookClient.RequestFrame("claude", "pre-tool-use", SampleEvents.ClaudeStdin(i))).ToArray();
            var samples = Enumerable.Range(0, concurrency).Select(_ => new LatencySample(events / concurrency + 1)).ToArray();
            var failures = 0;
            var clock = Stopwatch.StartNew();
            await Parallel.ForAsync(0, concurrency, async (worker, _) =>
            {
                for (var i = worker; i < events && clock.Elapsed < TimeSpan.FromMinutes(2); i += concurrency)
                {
                    var start = Stopwatch.GetTimestamp();
                    var exit = await SocketHookClient.SendAsync(socketPath, frames[i % frames.Length]);
                    samples[worker].Add(Stopwatch.GetTimestamp() - start);
                    if (exit != 0)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            });
            var seconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(1));
            var loadedServer = server.Rss();
            var loadedSidecar = sidecar.Rss();
            // The sidecar gives back what a burst left within half a second of its end (SidecarMemory.TrimWhenQuiet).
            await Task.Delay(TimeSpan.FromSeconds(2));
            var quietSidecar = sidecar.Rss();
            var latency = LatencySummary.FromTicks(LatencySample.Merge(samples));

            report.Note($"Memory: `hookline server` and `hookline sidecar` as separate processes of the published CLI; {latency.Count} Claude PreToolUse frames sent to the sidecar's socket by {concurrency} concurrent in-process clients in {Report.Fixed(seconds, "0.0")} s ({Report.Fixed(latency.Count / seconds, "0")}/s; socket round trip p50 {Report.Us(latency.P50)} µs, p99 {Report.Us(latency.P99)} µs); RSS from /proc/PID/status, 1 s and 3 s after the load.");
            report.Table("Memory (RSS, MiB)", ["process", "RSS idle", "RSS after load", "3 s after", "peak RSS (VmHWM)"],
            [
                ["hookline sidecar", Mib(idleSidecar.CurrentKb), Mib(loadedSidecar.CurrentKb), Mib(quietSidecar.CurrentKb), Mib(quietSidecar.PeakKb)],
                ["hookline server", Mib(idleServer.CurrentKb), Mib(loadedServer.CurrentKb), "", Mib(loadedServer.PeakKb)],
            ]);
            report.Figure($"sidecar RSS after {latency.Count} hooks", Mib(loadedSidecar.CurrentKb) + " MiB", "rss");
            report.Note($"Hook replies with an exit code other than 0: {failures}. Target: sidecar ≤ 40 MB RSS.");
            return failures == 0;
        }
    }

    /// <summary><c>--sidecar-env "NAME=value;NAME=value"</c>: runtime settings tried on the sidecar alone.</summary>
    internal static Dictionary<string, string> SidecarEnvironment(LoadOptions options)
        => (options.Text("sidecar-env") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.Ordinal);

    private static string Mib(long kilobytes) => Report.Fixed(kilobytes / 1024.0, "0.0");
}
