using System.Diagnostics;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// K session streams, each with a bounded number of decisions in flight, for a fixed time. The server stores every
/// event in SQLite and acks it (persistence on). The server runs as a separate <c>hookline server</c> process when
/// the CLI is published, otherwise in this process.
/// </summary>
internal static class ThroughputMode
{
    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        var streamCount = options.Int("streams", 1000);
        var connectionCount = Math.Clamp(options.Int("connections", 100), 1, streamCount);
        var inFlight = options.Int("in-flight", 4);
        var seconds = Math.Clamp(options.Int("seconds", 10), 1, 120);
        var warmupSeconds = Math.Clamp(options.Int("warmup-seconds", 3), 0, 30);
        var external = !options.Flag("in-process") && File.Exists(RepoPaths.Cli);

        using var directory = new TempDirectory("tput");
        await using var target = await ServerUnderTest.StartAsync(directory, external);
        var channels = Enumerable.Range(0, connectionCount).Select(_ => GrpcChannels.Create(target.Url)).ToArray();
        var counters = new ThroughputCounters();
        var streams = await OpenStreamsAsync(channels, streamCount, inFlight, counters);
        report.Line($"{streams.Length} streams open over {channels.Length} connections; running {warmupSeconds} s warm-up + {seconds} s.");

        using var stop = new CancellationTokenSource();
        var senders = streams.Select((s, i) => Task.Run(() => s.SendUntilAsync(stop.Token, i))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(warmupSeconds));

        var serverCpuBefore = target.CpuTime();
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var decisionsBefore = counters.Decisions;
        var storedBefore = counters.Stored;
        var clock = Stopwatch.StartNew();
        counters.Measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        counters.Measuring = false;
        var elapsed = clock.Elapsed.TotalSeconds;
        var decisions = counters.Decisions - decisionsBefore;
        var stored = counters.Stored - storedBefore;
        var serverCpu = (target.CpuTime() - serverCpuBefore).TotalSeconds;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;

        await stop.CancelAsync();
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30));
        var drain = Stopwatch.StartNew();
        while ((streams.Any(s => s.Outstanding > 0) || counters.Stored < counters.Sent) && drain.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }
        var drainSeconds = drain.Elapsed.TotalSeconds;
        var allStored = counters.Stored >= counters.Sent;
        await Task.WhenAll(streams.Select(s => s.CompleteAsync()));
        var latency = LatencySummary.FromTicks(LatencySample.Merge(streams.Select(s => s.Latencies)));
        foreach (var stream in streams)
        {
            stream.Dispose();
        }
        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        var where = external ? "separate `hookline server` process" : "in-process server";
        report.Note($"Throughput: {streamCount} streams over {connectionCount} HTTP/2 connections, {inFlight} in flight per stream, {warmupSeconds} s warm-up then {seconds} s measured; {where}, SQLite persistence on; client and server share the machine's cores.");
        report.Table("Server throughput", ["streams", "decisions/s", "stored/s", "p50 µs", "p99 µs", "max µs", "server CPU s", "server CPU µs/decision", "client CPU s"],
        [
            [streamCount.ToString(), Report.Fixed(decisions / elapsed, "0"), Report.Fixed(stored / elapsed, "0"), Report.Us(latency.P50),
                Report.Us(latency.P99), Report.Us(latency.Max), Report.Fixed(serverCpu, "0.0"), Report.Fixed(serverCpu * 1e6 / Math.Max(1, decisions), "0"),
                Report.Fixed(clientCpu, "0.0")],
        ]);
        report.Note($"After the run: {counters.Sent} events sent in total, {counters.Stored} acknowledged as stored ({(allStored ? "all" : "NOT all")}, drained in {Report.Fixed(drainSeconds, "0.0")} s) in {counters.AckMessages} StoredAck messages ({Report.Fixed(counters.Stored / (double)Math.Max(1, counters.AckMessages), "0.0")} events per ack). Target: ≥ 30,000 decisions/s with 1,000 streams.");
        return allStored && decisions > 0;
    }

    private static async Task<LoadStream[]> OpenStreamsAsync(GrpcChannel[] channels, int count, int inFlight, ThroughputCounters counters)
    {
        var streams = new LoadStream[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var client = new AgentService.AgentServiceClient(channels[i % channels.Length]);
            var session = await client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", Cwd = "/home/dev/proj" });
            var stream = new LoadStream(client, session.SessionId, inFlight, counters, sampleCapacity: 4096);
            await stream.OpenAsync();
            streams[i] = stream;
        });
        return streams;
    }
}
