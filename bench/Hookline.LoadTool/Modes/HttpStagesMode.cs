using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;
using Hookline.LoadTool.Native;
using Hookline.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// Where an HTTP hook's time goes, no process spawned, one of each in turn with an idle gap before each (agents call
/// hooks seconds apart, so every hook finds the process's threads parked): the sidecar's HTTP endpoint (client view,
/// and the sidecar's own read → answer), the sidecar's Unix socket with the hook's frame sent in-process (the same
/// decision path without HTTP), and a stub Kestrel endpoint configured like the sidecar's that answers a fixed body
/// (HTTP alone, no decision). Also counts the process's voluntary context switches per HTTP hook: each is a thread
/// that had to be woken, the cost that dominates a cold hook on a busy machine.
/// </summary>
internal static class HttpStagesMode
{
    private static readonly byte[] StubAnswer = """{"hookSpecificOutput":{"hookEventName":"PreToolUse"}}"""u8.ToArray();

    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        var n = options.Int("n", 400);
        var warmup = options.Int("warmup", 60);
        var gapMs = options.Int("gap-ms", 10);

        using var directory = new TempDirectory("http-stages");
        var inMemory = options.Text("link") == "memory";
        await using var stack = await InProcessStack.StartAsync(directory, httpHooks: true, inMemoryLink: inMemory);
        await using var stub = await StartStubAsync();
        var events = Enumerable.Range(0, SampleEvents.Count).Select(SampleEvents.ClaudeStdin).ToArray();
        var frames = events.Select(e => SocketHookClient.RequestFrame("claude", "pre-tool-use", e)).ToArray();
        long lastInside = 0;
        stack.Sidecar.Decided += d => Volatile.Write(ref lastInside, d.LatencyMicroseconds);
        using var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5), UseProxy = false };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var url = stack.Sidecar.HttpHookUrl + "pre-tool-use";
        var stubUrl = stub.Urls.First() + "/hooks/claude/pre-tool-use";
        var secret = stack.Sidecar.HttpHookSecret!;

        var samples = Enumerable.Range(0, 5).Select(_ => new List<long>(n)).ToArray();
        var switches = new List<long>(n);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < warmup + n && clock.Elapsed < TimeSpan.FromMinutes(3); i++)
        {
            var body = events[i % events.Length];
            Gap(gapMs);
            var switchesBefore = Libc.VoluntarySwitches();
            var start = Stopwatch.GetTimestamp();
            await PostAsync(client, url, secret, body);
            var http = Stopwatch.GetTimestamp() - start;
            var httpSwitches = Libc.VoluntarySwitches() - switchesBefore;
            var httpInside = Volatile.Read(ref lastInside);

            Gap(gapMs);
            start = Stopwatch.GetTimestamp();
            await SocketHookClient.SendAsync(stack.Sidecar.SocketPath, frames[i % frames.Length]);
            var socket = Stopwatch.GetTimestamp() - start;
            var socketInside = Volatile.Read(ref lastInside);

            Gap(gapMs);
            start = Stopwatch.GetTimestamp();
            await PostAsync(client, stubUrl, secret, body);
            var stubTicks = Stopwatch.GetTimestamp() - start;
            if (i >= warmup)
            {
                samples[0].Add(http);
                samples[1].Add(httpInside * Stopwatch.Frequency / 1_000_000);
                samples[2].Add(socket);
                samples[3].Add(socketInside * Stopwatch.Frequency / 1_000_000);
                samples[4].Add(stubTicks);
                switches.Add(httpSwitches);
            }
        }

        report.Note($"HTTP stages: {samples[0].Count} PreToolUse hooks per path (10 Claude events rotating, after {warmup} warm-up each), one of each in turn, {gapMs} ms idle before each. Server and sidecar in this process on loopback.");
        report.Table("HTTP hook stages, per PreToolUse (µs)", ["path", "n", "p50", "p90", "p99", "max"],
        [
            Row("http hook: POST → body read (client)", samples[0]),
            Row("http hook: sidecar read → answer", samples[1]),
            Row("socket frame in-process: connect → reply", samples[2]),
            Row("socket frame: sidecar read → answer", samples[3]),
            Row("stub Kestrel, fixed answer, no decision", samples[4]),
        ]);
        var sorted = switches.Order().ToArray();
        report.Note($"Voluntary context switches of the process per HTTP hook (threads woken): median {sorted[sorted.Length / 2]}, mean {switches.Average():F1}. Decision sources in the sidecar: {stack.Sources()}.");
        return true;
    }

    private static void Gap(int milliseconds)
    {
        if (milliseconds > 0)
        {
            Thread.Sleep(milliseconds);
        }
    }

    private static async Task PostAsync(HttpClient client, string url, string secret, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(HooklineSidecar.HttpSecretHeader, secret);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Kestrel as the sidecar configures it (loopback, HTTP/1.1, no logging), answering a fixed body.</summary>
    private static async Task<WebApplication> StartStubAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddSingleton<ILoggerFactory>(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var app = builder.Build();
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = StubAnswer.Length;
            await context.Response.Body.WriteAsync(StubAnswer);
        });
        await app.StartAsync();
        return app;
    }

    private static string[] Row(string name, List<long> ticks)
    {
        var s = LatencySummary.FromTicks(ticks.ToArray());
        return [name, s.Count.ToString(), Report.Us(s.P50), Report.Us(s.P90), Report.Us(s.P99), Report.Us(s.Max)];
    }
}
