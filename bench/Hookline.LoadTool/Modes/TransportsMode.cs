using System.Diagnostics;
using System.Net.Http.Headers;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;
using Hookline.LoadTool.Native;
using Hookline.Sidecar;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// Claude Code's two hook transports side by side, against one sidecar and one server in this process: a command
/// hook (posix_spawn of the AOT <c>hookline-hook</c> → Unix socket → reaped) and an HTTP hook (one POST on a kept-alive
/// loopback connection, as Claude Code sends it). One of each in turn, same PreToolUse events. The hooks are driven
/// from this process (<c>--client dotnet</c>) or, as an agent drives them, from a separate Node.js process
/// (<c>--client node</c>, <c>bench/agent-client.mjs</c>). The sidecar reaches the server in memory, as with
/// <c>hookline start</c> (<c>--link memory</c>), or over gRPC on loopback (<c>--link network</c>).
/// </summary>
internal static class TransportsMode
{
    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        if (!File.Exists(RepoPaths.Hook))
        {
            report.Note($"transports skipped: {RepoPaths.Hook} does not exist; run ./build.sh first.");
            return true;
        }
        var n = options.Int("n", 1000);
        var warmup = options.Int("warmup", 100);
        var link = options.Text("link") ?? "memory";
        var clientKind = options.Text("client") ?? "dotnet";

        using var directory = new TempDirectory("transports");
        await using var stack = await InProcessStack.StartAsync(directory, httpHooks: true, inMemoryLink: link == "memory");
        var events = Enumerable.Range(0, SampleEvents.Count).Select(SampleEvents.ClaudeStdin).ToArray();
        var stdinFiles = events.Select((bytes, i) =>
        {
            var path = directory.Combine($"stdin-{i}.json");
            File.WriteAllBytes(path, bytes);
            return path;
        }).ToArray();
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOOKLINE_SOCKET"] = stack.Sidecar.SocketPath,
            ["HOOKLINE_FAIL_MODE"] = "closed",
        };
        var hooks = stdinFiles.Select(f => new ChildSpawner(RepoPaths.Hook, ["--agent", "claude", "--event", "pre-tool-use"], environment, f)).ToArray();
        using var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5), UseProxy = false };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var url = stack.Sidecar.HttpHookUrl + "pre-tool-use";

        bool verified;
        long[] command, http;
        int failures;
        string how;
        if (clientKind == "node")
        {
            (verified, command, http, failures) = await NodeClient.RunAsync(directory, stdinFiles, environment, url,
                stack.Sidecar.HttpHookSecret!, n, warmup, options.Int("gap-ms", 0), options.Flag("http-only"), report);
            how = $"driven from a separate Node.js {NodeClient.Version()} process (bench/agent-client.mjs): command = spawnSync `{RepoPaths.Hook} --agent claude --event pre-tool-use` with the event on stdin; http = http.request POST on one kept-alive connection with the secret header, until the body is read";
        }
        else
        {
            verified = VerifyDeny(client, url, stack.Sidecar.HttpHookSecret!, events[3], report);
            (command, http, failures) = await Task.Factory.StartNew(
                () => Alternate(hooks, client, url, stack.Sidecar.HttpHookSecret!, events, warmup, n),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            how = $"driven from this process: command = posix_spawn `{RepoPaths.Hook} --agent claude --event pre-tool-use` → wait4; http = POST with the secret header on one kept-alive connection (SocketsHttpHandler), until the body is read";
        }
        foreach (var hook in hooks)
        {
            hook.Dispose();
        }

        var h = LatencySummary.FromTicks(http);
        if (command.Length == 0)
        {
            report.Note($"HTTP hooks alone: {h.Count} PreToolUse hooks (10 Claude events rotating, after {warmup} warm-up), {options.Int("gap-ms", 0)} ms idle before each, {how}. Server and sidecar in one process; the sidecar reaches the server {(link == "memory" ? "in memory, as `hookline start` does" : "over gRPC on loopback")}.");
            report.Table("Claude HTTP hooks from an agent-like client (µs)", ["transport", "n", "p50", "p90", "p99", "max"], [Row("http (sidecar endpoint)", h)]);
            return verified && failures == 0;
        }
        var c = LatencySummary.FromTicks(command);
        report.Note($"Transports: {c.Count} PreToolUse hooks each (10 Claude events rotating, after {warmup} warm-up each), alternating, {how}. Server and sidecar in one process; the sidecar reaches the server {(link == "memory" ? "in memory, as `hookline start` does" : "over gRPC on loopback")}.");
        report.Table("Claude hook transports, per PreToolUse (µs)", ["transport", "n", "p50", "p90", "p99", "max"],
        [
            Row("command (hookline-hook)", c),
            Row("http (sidecar endpoint)", h),
            ["ratio command / http", "", Report.Fixed(c.P50 / h.P50) + "×", Report.Fixed(c.P90 / h.P90) + "×", Report.Fixed(c.P99 / h.P99) + "×", ""],
        ]);
        report.Note($"Decision sources in the sidecar: {stack.Sources()}. Failures: {failures}. Target: http p50 well under 1 ms.");
        return verified && failures == 0;
    }

    private static (long[] Command, long[] Http, int Failures) Alternate(ChildSpawner[] hooks, HttpClient client, string url, string secret,
        byte[][] events, int warmup, int n)
    {
        var command = new List<long>(n);
        var http = new List<long>(n);
        var failures = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < warmup + n && clock.Elapsed < TimeSpan.FromMinutes(3); i++)
        {
            var commandFirst = i % 2 == 0;
            long spawnTicks = 0, postTicks = 0;
            for (var turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == commandFirst)
                {
                    var run = hooks[i % hooks.Length].Run();
                    failures += run.ExitCode == 0 ? 0 : 1;
                    spawnTicks = run.Ticks;
                }
                else
                {
                    var start = Stopwatch.GetTimestamp();
                    failures += Post(client, url, secret, events[i % events.Length]).Ok ? 0 : 1;
                    postTicks = Stopwatch.GetTimestamp() - start;
                }
            }
            if (i >= warmup)
            {
                command.Add(spawnTicks);
                http.Add(postTicks);
            }
        }
        return (command.ToArray(), http.ToArray(), failures);
    }

    private static (bool Ok, string Body) Post(HttpClient client, string url, string secret, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(HooklineSidecar.HttpSecretHeader, secret);
        using var response = client.Send(request);
        using var reader = new StreamReader(response.Content.ReadAsStream());
        return (response.IsSuccessStatusCode, reader.ReadToEnd());
    }

    private static bool VerifyDeny(HttpClient client, string url, string secret, byte[] body, Report report)
    {
        var (ok, text) = Post(client, url, secret, body);
        var denied = ok && text.Contains("\"permissionDecision\":\"deny\"", StringComparison.Ordinal);
        report.Line($"check: http `cd /tmp && rm -rf build/ && ls` → {text.Trim()} ({(denied ? "ok" : "UNEXPECTED")})");
        return denied;
    }

    private static string[] Row(string name, LatencySummary s) =>
        [name, s.Count.ToString(), Report.Us(s.P50), Report.Us(s.P90), Report.Us(s.P99), Report.Us(s.Max)];
}
