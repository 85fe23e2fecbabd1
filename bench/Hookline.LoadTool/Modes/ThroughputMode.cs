using System.Diagnostics;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// K session streams, each with a bounded number of decisions in flight, for a fixed time. The server stores every
/// event and acks it (persistence on), in SQLite or, with <c>--postgres</c>, in a fresh PostgreSQL database; with
/// <c>--compare</c> both, alternating, in one invocation. The server runs as a separate <c>hookline server</c> process
/// when the CLI is published, otherwise in this process.
/// </summary>
internal static class ThroughputMode
{
    private sealed record Settings(int Streams, int Connections, int InFlight, int Seconds, int WarmupSeconds, bool External);

    private sealed record Result(string Store, double DecisionsPerSecond, double StoredPerSecond, LatencySummary Latency,
        double ServerCpu, long Decisions, double ClientCpu, long Sent, long Stored, long AckMessages, double DrainSeconds, double PostgresCpu,
        long Written, long Flushes)
    {
        public bool AllStored => Stored >= Sent;
    }

    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        var streamCount = options.Int("streams", 1000);
        var settings = new Settings(streamCount, Math.Clamp(options.Int("connections", 100), 1, streamCount), options.Int("in-flight", 4),
            Math.Clamp(options.Int("seconds", 10), 1, 120), Math.Clamp(options.Int("warmup-seconds", 3), 0, 30),
            !options.Flag("in-process") && File.Exists(RepoPaths.Cli));
        var postgres = options.Text("postgres");
        var compare = options.Flag("compare");
        if (compare && postgres is null)
        {
            throw new ArgumentException("--compare needs --postgres <connection string>");
        }
        // Alternating rounds (SQLite first, then PostgreSQL first) so that the box's noise falls on both alike.
        var rounds = compare ? Math.Clamp(options.Int("rounds", 2), 1, 10) : 1;
        var results = new List<Result>();
        for (var round = 0; round < rounds; round++)
        {
            string?[] order = !compare ? [postgres] : round % 2 == 0 ? [null, postgres] : [postgres, null];
            foreach (var store in order)
            {
                results.Add(await RunOnceAsync(settings, store, report));
            }
        }

        var where = settings.External ? "separate `hookline server` process" : "in-process server";
        report.Note($"Throughput: {settings.Streams} streams over {settings.Connections} HTTP/2 connections, {settings.InFlight} in flight per stream, {settings.WarmupSeconds} s warm-up then {settings.Seconds} s measured per run; {where}, persistence on; client and server share the machine's cores. Server CPU is the hookline process only; PostgreSQL's own backends (of the run's database, from /proc) are counted apart.");
        report.Table("Server throughput", ["store", "streams", "decisions/s", "stored/s", "p50 µs", "p99 µs", "max µs", "server CPU s", "server CPU µs/decision", "client CPU s"],
            results.Select(r => new[]
            {
                r.Store, settings.Streams.ToString(), Report.Fixed(r.DecisionsPerSecond, "0"), Report.Fixed(r.StoredPerSecond, "0"), Report.Us(r.Latency.P50),
                Report.Us(r.Latency.P99), Report.Us(r.Latency.Max), Report.Fixed(r.ServerCpu, "0.0"),
                Report.Fixed(r.ServerCpu * 1e6 / Math.Max(1, r.Decisions), "0"), Report.Fixed(r.ClientCpu, "0.0"),
            }).ToList());
        foreach (var r in results)
        {
            var load = $"throughput, {r.Store}";
            report.Figure($"server CPU per decision ({r.Store})", Report.Fixed(CpuPerDecision(r), "0") + " µs", load);
            if (r.Store == "postgresql")
            {
                report.Figure("PostgreSQL backends' CPU per decision", Report.Fixed(r.PostgresCpu * 1e6 / Math.Max(1, r.Decisions), "0") + " µs", load);
            }
            report.Figure($"decisions/s ({r.Store})", Report.Fixed(r.DecisionsPerSecond, "0"), load);
            report.Figure($"events per StoredAck ({r.Store})", Report.Fixed(r.Stored / (double)Math.Max(1, r.AckMessages), "0.0"), load);
            if (r.Flushes > 0)
            {
                report.Figure($"messages per flush of the server's stream writers ({r.Store})", Report.Fixed(r.Written / (double)r.Flushes, "0.00"), load);
                report.Note($"{r.Store}: the server's stream writers wrote {r.Written} messages in {r.Flushes} flushes while measuring ({Report.Fixed(r.Written / (double)r.Flushes, "0.00")} messages, {Report.Fixed(r.Decisions / (double)r.Flushes, "0.00")} decisions per flush; counted in process, so with --in-process only).");
            }
            report.Note($"{r.Store}: {r.Sent} events sent in total, {r.Stored} acknowledged as stored ({(r.AllStored ? "all" : "NOT all")}, drained in {Report.Fixed(r.DrainSeconds, "0.0")} s) in {r.AckMessages} StoredAck messages ({Report.Fixed(r.Stored / (double)Math.Max(1, r.AckMessages), "0.0")} events per ack).");
        }
        if (compare)
        {
            double Median(string store, Func<Result, double> value)
            {
                var sorted = results.Where(r => r.Store == store).Select(value).Order().ToArray();
                return (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
            }
            report.Note($"PostgreSQL / SQLite, medians over {rounds} alternating rounds: decisions/s {Report.Fixed(Median("postgresql", r => r.DecisionsPerSecond) / Median("sqlite", r => r.DecisionsPerSecond))}×, " +
                $"p50 {Report.Fixed(Median("postgresql", r => r.Latency.P50) / Median("sqlite", r => r.Latency.P50))}×, p99 {Report.Fixed(Median("postgresql", r => r.Latency.P99) / Median("sqlite", r => r.Latency.P99))}×, " +
                $"server CPU per decision {Report.Fixed(Median("postgresql", CpuPerDecision) / Median("sqlite", CpuPerDecision))}×.");
        }
        report.Note("Target: ≥ 30,000 decisions/s with 1,000 streams.");
        return results.All(r => r.AllStored && r.Decisions > 0);
    }

    private static double CpuPerDecision(Result r) => r.ServerCpu * 1e6 / Math.Max(1, r.Decisions);

    /// <param name="postgres">An admin connection string: the run gets a fresh database on that server. Null: SQLite.</param>
    private static async Task<Result> RunOnceAsync(Settings settings, string? postgres, Report report)
    {
        using var directory = new TempDirectory("tput");
        await using var database = postgres is null ? null : await BenchDatabase.CreateAsync(postgres);
        await using var target = await ServerUnderTest.StartAsync(directory, settings.External, database?.ConnectionString);
        var store = database is null ? "sqlite" : "postgresql";
        var channels = Enumerable.Range(0, settings.Connections).Select(_ => GrpcChannels.Create(target.Url)).ToArray();
        var counters = new ThroughputCounters();
        var streams = await OpenStreamsAsync(channels, settings.Streams, settings.InFlight, counters);
        report.Line($"{store}: {streams.Length} streams open over {channels.Length} connections; running {settings.WarmupSeconds} s warm-up + {settings.Seconds} s.");

        using var stop = new CancellationTokenSource();
        var senders = streams.Select((s, i) => Task.Run(() => s.SendUntilAsync(i, stop.Token))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds));

        var postgresCpuBefore = database?.BackendCpu() ?? TimeSpan.Zero;
        var serverCpuBefore = target.CpuTime();
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var decisionsBefore = counters.Decisions;
        var (writtenBefore, flushesBefore) = (StreamWriterCounts.MessagesWritten, StreamWriterCounts.Flushes);
        var storedBefore = counters.Stored;
        var clock = Stopwatch.StartNew();
        counters.Measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(settings.Seconds));
        counters.Measuring = false;
        var elapsed = clock.Elapsed.TotalSeconds;
        var decisions = counters.Decisions - decisionsBefore;
        // The stream writers of this process (the server's; the load streams write directly): zero when the server runs apart.
        var written = StreamWriterCounts.MessagesWritten - writtenBefore;
        var flushes = StreamWriterCounts.Flushes - flushesBefore;
        var stored = counters.Stored - storedBefore;
        var serverCpu = (target.CpuTime() - serverCpuBefore).TotalSeconds;
        var postgresCpu = ((database?.BackendCpu() ?? TimeSpan.Zero) - postgresCpuBefore).TotalSeconds;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;

        await stop.CancelAsync();
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30));
        var drain = Stopwatch.StartNew();
        while ((streams.Any(s => s.Outstanding > 0) || counters.Stored < counters.Sent) && drain.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }
        var drainSeconds = drain.Elapsed.TotalSeconds;
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
        return new Result(store, decisions / elapsed, stored / elapsed, latency, serverCpu, decisions, clientCpu,
            counters.Sent, counters.Stored, counters.AckMessages, drainSeconds, postgresCpu, written, flushes);
    }

    internal static async Task<LoadStream[]> OpenStreamsAsync(GrpcChannel[] channels, int count, int inFlight, ThroughputCounters counters,
        int sampleCapacity = 4096)
    {
        var streams = new LoadStream[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, cancellationToken) =>
        {
            var client = new AgentService.AgentServiceClient(channels[i % channels.Length]);
            var session = await client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", Cwd = "/home/dev/proj" },
                cancellationToken: cancellationToken);
            var stream = new LoadStream(client, session.SessionId, inFlight, counters, sampleCapacity);
            await stream.OpenAsync();
            streams[i] = stream;
        });
        return streams;
    }
}
