using System.Diagnostics;
using System.Text.Json;
using Hookline.LoadTool.Fixtures;
using Hookline.Sidecar;

namespace Hookline.LoadTool.Modes;

/// <summary>Runs <c>bench/agent-client.mjs</c>: both hook transports driven from a Node.js process, as an agent drives them.</summary>
internal static class NodeClient
{
    private static string Script => Path.Combine(RepoPaths.Root, "bench", "agent-client.mjs");

    public static string Version()
    {
        using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true })!;
        var version = node.StandardOutput.ReadToEnd().Trim();
        node.WaitForExit();
        return version;
    }

    public static async Task<(bool Verified, long[] Command, long[] Http, int Failures)> RunAsync(TempDirectory directory,
        string[] stdinFiles, Dictionary<string, string> environment, string url, string secret, int n, int warmup, int gapMs,
        bool httpOnly, Report report)
    {
        var config = directory.Combine("agent-client.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["url"] = url,
            ["secret"] = secret,
            ["secretHeader"] = HooklineSidecar.HttpSecretHeader,
            ["hook"] = RepoPaths.Hook,
            ["env"] = environment,
            ["bodies"] = stdinFiles,
            ["denyIndex"] = 3,
            ["n"] = n,
            ["warmup"] = warmup,
            ["gapMs"] = gapMs,
            ["httpOnly"] = httpOnly,
            ["maxSeconds"] = 240,
        }));
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(config);
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await node.WaitForExitAsync(bound.Token);
        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException($"agent-client.mjs exited {node.ExitCode}: {await errors}");
        }
        using var result = JsonDocument.Parse(await output);
        var root = result.RootElement;
        var check = root.GetProperty("check").GetString() ?? "";
        var denied = check.Contains("\"permissionDecision\":\"deny\"", StringComparison.Ordinal);
        report.Line($"check: http from node `cd /tmp && rm -rf build/ && ls` → {check.Trim()} ({(denied ? "ok" : "UNEXPECTED")})");
        return (denied, Ticks(root.GetProperty("command")), Ticks(root.GetProperty("http")), root.GetProperty("failures").GetInt32());
    }

    private static long[] Ticks(JsonElement nanoseconds)
        => nanoseconds.EnumerateArray().Select(ns => (long)(ns.GetDouble() * Stopwatch.Frequency / 1e9)).ToArray();
}
