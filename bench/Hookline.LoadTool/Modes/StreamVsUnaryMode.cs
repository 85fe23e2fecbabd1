using System.Diagnostics;
using Hookline.Contracts.V1;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// Sequential decision round trips on one open stream against one unary DecideOnce per event, on the same channel
/// and the same server, in alternating blocks so that noise on a shared machine falls on both alike.
/// </summary>
internal static class StreamVsUnaryMode
{
    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        var n = options.Int("n", 20_000);
        var warmup = options.Int("warmup", 2_000);
        var block = Math.Max(1, options.Int("block", 500));
        var maxSeconds = options.Int("max-seconds", 120);

        using var directory = new TempDirectory("svu");
        await using var server = await InProcessServer.StartAsync(directory);
        using var channel = GrpcChannels.Create(server.GrpcAddress);
        var client = new AgentService.AgentServiceClient(channel);
        var sessionId = (await client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", Cwd = "/home/dev/proj" })).SessionId;
        using var stream = await SequentialStream.OpenAsync(client, sessionId);

        for (var i = 0; i < warmup; i++)
        {
            await stream.DecideAsync(SampleEvents.Event(i, sessionId, 0));
            await client.DecideOnceAsync(SampleEvents.Event(i, sessionId, 0));
        }

        var streamTicks = new LatencySample(n);
        var unaryTicks = new LatencySample(n);
        var streamVerdicts = new int[4];
        var unaryVerdicts = new int[4];
        var clock = Stopwatch.StartNew();
        for (var round = 0; streamTicks.Count < n && clock.Elapsed.TotalSeconds < maxSeconds; round++)
        {
            var count = Math.Min(block, n - streamTicks.Count);
            var streamFirst = round % 2 == 0;
            for (var pass = 0; pass < 2; pass++)
            {
                if ((pass == 0) == streamFirst)
                {
                    await RunStreamBlockAsync(stream, sessionId, streamTicks, streamVerdicts, count);
                }
                else
                {
                    await RunUnaryBlockAsync(client, sessionId, unaryTicks, unaryVerdicts, count);
                }
            }
        }
        await stream.CompleteAsync();

        var s = LatencySummary.FromTicks(LatencySample.Merge([streamTicks]));
        var u = LatencySummary.FromTicks(LatencySample.Merge([unaryTicks]));
        report.Note($"Decision round trip, in-process server, one channel, {s.Count} sequential decisions each, alternating blocks of {block}, after {warmup} warm-up each; {Report.Fixed(clock.Elapsed.TotalSeconds, "0.0")} s.");
        report.Table("Decision round trip (µs)", ["path", "n", "p50", "p90", "p99", "max"],
        [
            ["stream (ProcessHookEvent)", s.Count.ToString(), Report.Us(s.P50), Report.Us(s.P90), Report.Us(s.P99), Report.Us(s.Max)],
            ["unary (DecideOnce)", u.Count.ToString(), Report.Us(u.P50), Report.Us(u.P90), Report.Us(u.P99), Report.Us(u.Max)],
            ["ratio unary/stream", "", Report.Fixed(u.P50 / s.P50) + "×", Report.Fixed(u.P90 / s.P90) + "×", Report.Fixed(u.P99 / s.P99) + "×", ""],
        ]);
        report.Figure("stream round trip p50", Report.Us(s.P50) + " µs", "stream-vs-unary");
        report.Figure("unary / stream round trip p50", Report.Fixed(u.P50 / s.P50) + "×", "stream-vs-unary");
        var same = streamVerdicts.SequenceEqual(unaryVerdicts);
        report.Note($"Verdicts (allow/deny/ask) stream {streamVerdicts[1]}/{streamVerdicts[2]}/{streamVerdicts[3]}, unary {unaryVerdicts[1]}/{unaryVerdicts[2]}/{unaryVerdicts[3]}: {(same ? "identical" : "DIFFERENT")}. Target: stream p50 ≤ 150 µs, p99 ≤ 1 ms, several times faster than unary.");
        return same && s.Count > 0;
    }

    private static async Task RunStreamBlockAsync(SequentialStream stream, string sessionId, LatencySample ticks, int[] verdicts, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var hookEvent = SampleEvents.Event(ticks.Count, sessionId, 0);
            var start = Stopwatch.GetTimestamp();
            var decision = await stream.DecideAsync(hookEvent);
            ticks.Add(Stopwatch.GetTimestamp() - start);
            verdicts[(int)decision.Verdict]++;
        }
    }

    private static async Task RunUnaryBlockAsync(AgentService.AgentServiceClient client, string sessionId, LatencySample ticks, int[] verdicts, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var hookEvent = SampleEvents.Event(ticks.Count, sessionId, 0);
            var start = Stopwatch.GetTimestamp();
            var decision = await client.DecideOnceAsync(hookEvent);
            ticks.Add(Stopwatch.GetTimestamp() - start);
            verdicts[(int)decision.Verdict]++;
        }
    }
}
