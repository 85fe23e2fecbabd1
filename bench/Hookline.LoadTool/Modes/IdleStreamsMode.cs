using System.Diagnostics;
using Hookline.Contracts.V1;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// One server holding many open, mostly idle session streams (sidecars whose agents think): the server's RSS per open
/// stream, and the decision latency of a few active sessions before and while the idle ones are open. The idle streams
/// share a few HTTP/2 connections (the server without per-principal limits allows 1,024 streams per connection).
/// </summary>
internal static class IdleStreamsMode
{
    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        var idle = Math.Clamp(options.Int("idle", 10_000), 1, 50_000);
        var connections = Math.Clamp(options.Int("connections", 10), (idle + 1023) / 1024, idle);
        var active = Math.Clamp(options.Int("active", 8), 1, 64);
        var n = Math.Max(active, options.Int("n", 2000));
        var external = !options.Flag("in-process") && File.Exists(RepoPaths.Cli);

        using var directory = new TempDirectory("idle");
        await using var target = await ServerUnderTest.StartAsync(directory, external);
        using var activeChannel = GrpcChannels.Create(target.Url);
        var client = new AgentService.AgentServiceClient(activeChannel);
        var sessions = new List<SequentialStream>();
        for (var i = 0; i < active; i++)
        {
            var session = await client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", Cwd = "/home/dev/proj" });
            sessions.Add(await SequentialStream.OpenAsync(client, session.SessionId));
        }
        var alone = await DecideAsync(sessions, n);
        var rssBefore = target.Rss();

        var channels = Enumerable.Range(0, connections).Select(_ => GrpcChannels.Create(target.Url)).ToArray();
        var clock = Stopwatch.StartNew();
        var streams = await ThroughputMode.OpenStreamsAsync(channels, idle, inFlight: 1, new ThroughputCounters(), sampleCapacity: 1);
        var openSeconds = clock.Elapsed.TotalSeconds;
        // Let what opening allocated settle before reading the resident set.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var rssOpen = target.Rss();
        var alongside = await DecideAsync(sessions, n);

        var perStreamKb = (rssOpen - rssBefore) / (double)idle;
        Describe(report, external, idle, connections, active, n, openSeconds);
        report.Table("Open idle streams", ["", "server RSS MiB", "active p50 µs", "active p99 µs", "active max µs"],
        [
            [$"{active} active sessions alone", Mib(rssBefore), Report.Us(alone.P50), Report.Us(alone.P99), Report.Us(alone.Max)],
            [$"with {idle} idle streams open", Mib(rssOpen), Report.Us(alongside.P50), Report.Us(alongside.P99), Report.Us(alongside.Max)],
        ]);
        report.Note($"Server RSS per open idle stream: {Report.Fixed(perStreamKb, "0.0")} KiB.");
        report.Figure($"server RSS per open idle stream ({idle} streams)", Report.Fixed(perStreamKb, "0.0") + " KiB", "idle-streams");
        report.Figure($"active decision p50 / p99, alone → with {idle} idle streams",
            $"{Report.Us(alone.P50)} / {Report.Us(alone.P99)} → {Report.Us(alongside.P50)} / {Report.Us(alongside.P99)} µs", "idle-streams");

        await Task.WhenAll(streams.Select(s => s.CompleteAsync()));
        foreach (var stream in streams)
        {
            stream.Dispose();
        }
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
        foreach (var session in sessions)
        {
            await session.CompleteAsync();
            session.Dispose();
        }
        return alongside.Count > 0;
    }

    private static void Describe(Report report, bool external, int idle, int connections, int active, int n, double openSeconds)
        => report.Note($"Idle streams: {idle} session streams opened over {connections} HTTP/2 connections in {Report.Fixed(openSeconds, "0.0")} s, " +
            $"each waiting after its policy snapshot; {active} other sessions decide {n} events one at a time, round robin, before and while they are open; " +
            (external ? "a separate `hookline server` process, RSS from /proc/PID/status." : "an in-process server: its RSS includes this client's."));

    /// <summary><paramref name="n"/> sequential decisions spread round robin over <paramref name="sessions"/>.</summary>
    private static async Task<LatencySummary> DecideAsync(List<SequentialStream> sessions, int n)
    {
        var ticks = new LatencySample(n);
        for (var i = 0; i < n; i++)
        {
            var stream = sessions[i % sessions.Count];
            var start = Stopwatch.GetTimestamp();
            await stream.DecideAsync(SampleEvents.Event(i, stream.SessionId, 0));
            ticks.Add(Stopwatch.GetTimestamp() - start);
        }
        return LatencySummary.FromTicks(LatencySample.Merge([ticks]));
    }

    private static string Mib(long kilobytes) => Report.Fixed(kilobytes / 1024.0, "0.0");
}
