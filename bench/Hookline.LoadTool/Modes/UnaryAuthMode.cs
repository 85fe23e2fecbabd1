using System.Diagnostics;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;
using Hookline.Server;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// Sequential unary DecideOnce calls with a bearer token against two in-process servers on one fresh PostgreSQL
/// database, authentication required: one with the token check cache off (a database round trip per call, as before
/// the cache), one with its default lifetime; in alternating blocks so that noise on a shared machine falls on both.
/// </summary>
internal static class UnaryAuthMode
{
    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        var admin = options.Text("postgres") ?? throw new ArgumentException("unary-auth needs --postgres <admin connection string>");
        var n = options.Int("n", 2_000);
        var warmup = options.Int("warmup", 200);
        var block = Math.Max(1, options.Int("block", 250));
        var maxSeconds = options.Int("max-seconds", 60);

        await using var database = await BenchDatabase.CreateAsync(admin);
        using var directory = new TempDirectory("uauth");
        var servers = new[] { ("cache off (store per call)", TimeSpan.Zero), ("cache on (default)", new HooklineServerOptions().TokenCacheLifetime) };
        var started = new List<HooklineServer>();
        var channels = new List<GrpcChannel>();
        try
        {
            foreach (var (_, lifetime) in servers)
            {
                started.Add(await InProcessServer.StartAsync(directory, database.ConnectionString, configure: o =>
                {
                    o.Auth = ServerAuthMode.Required;
                    o.TokenCacheLifetime = lifetime;
                }));
            }
            var token = Tokens.Create(new AuditLocation(directory.Combine("data"), database.ConnectionString), "bench", TokenScope.Sidecar, "bench", null).Token;
            var clients = started.Select(server =>
            {
                var channel = GrpcChannels.Create(server.GrpcAddress);
                channels.Add(channel);
                return new AgentService.AgentServiceClient(channel.CreateCallInvoker().Intercept(m =>
                {
                    m.Add("authorization", "Bearer " + token);
                    return m;
                }));
            }).ToArray();
            var sessionId = (await clients[0].CreateSessionAsync(new CreateSessionRequest { Agent = "claude", Cwd = "/home/dev/proj" })).SessionId;
            foreach (var client in clients)
            {
                for (var i = 0; i < warmup; i++)
                {
                    await client.DecideOnceAsync(SampleEvents.Event(i, sessionId, 0));
                }
            }

            var ticks = clients.Select(_ => new LatencySample(n)).ToArray();
            var clock = Stopwatch.StartNew();
            for (var round = 0; ticks[0].Count < n && clock.Elapsed.TotalSeconds < maxSeconds; round++)
            {
                var count = Math.Min(block, n - ticks[0].Count);
                for (var pass = 0; pass < clients.Length; pass++)
                {
                    var which = (pass + round) % clients.Length;
                    await RunBlockAsync(clients[which], sessionId, ticks[which], count);
                }
            }

            var summaries = ticks.Select(t => LatencySummary.FromTicks(LatencySample.Merge([t]))).ToArray();
            report.Note($"Unary DecideOnce with a bearer token, auth required, PostgreSQL (loopback) token store, two in-process servers on one database, " +
                $"{summaries[0].Count} sequential calls each, alternating blocks of {block}, after {warmup} warm-up each; {Report.Fixed(clock.Elapsed.TotalSeconds, "0.0")} s.");
            report.Table("Unary call round trip (µs)", ["token check", "n", "p50", "p90", "p99", "max"],
                servers.Select((s, i) => new[] { s.Item1, summaries[i].Count.ToString(), Report.Us(summaries[i].P50), Report.Us(summaries[i].P90), Report.Us(summaries[i].P99), Report.Us(summaries[i].Max) })
                    .Append(["ratio on/off", "", Report.Fixed(summaries[1].P50 / summaries[0].P50) + "×", Report.Fixed(summaries[1].P90 / summaries[0].P90) + "×", Report.Fixed(summaries[1].P99 / summaries[0].P99) + "×", ""])
                    .ToList());
            return summaries.All(s => s.Count > 0);
        }
        finally
        {
            channels.ForEach(c => c.Dispose());
            foreach (var server in started)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task RunBlockAsync(AgentService.AgentServiceClient client, string sessionId, LatencySample ticks, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var hookEvent = SampleEvents.Event(ticks.Count, sessionId, 0);
            var start = Stopwatch.GetTimestamp();
            await client.DecideOnceAsync(hookEvent);
            ticks.Add(Stopwatch.GetTimestamp() - start);
        }
    }
}
