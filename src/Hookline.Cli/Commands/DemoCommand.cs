using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using Hookline.Cli.Demo;
using Hookline.Cli.Hosting;
using Hookline.Shared;
using Hookline.Cli.Output;
using Hookline.Sidecar;
using Microsoft.Extensions.Logging;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline demo</c>: an embedded server and a sidecar, and a scripted Claude Code session played through the
/// real hook binary. Shows each decision with its reason, source and latency, and where the audit trail went.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var policy = CommonOptions.Policy();
        policy.Description = "Policy to enforce instead of the demo policy";
        var data = new Option<string?>("--data") { Description = "Directory for the demo's audit trail (default: a new temp dir)" };
        var command = new Command("demo", "Play a scripted agent session through the real hook, server and sidecar") { policy, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = parse.GetValue(data) ?? Directory.CreateTempSubdirectory("hookline-demo-").FullName;
            var policyFile = parse.GetValue(policy) ?? WriteDemoPolicy(root);
            await using var stack = await EmbeddedStack.StartAsync(null, policyFile, Path.Combine(root, "data"), AgentNames.Claude,
                SidecarFailMode.Closed, TimeSpan.FromMilliseconds(8), Path.Combine(root, "state"), LogLevel.Warning, cancellationToken);
            var sidecar = stack.Sidecar;
            var decisions = new ConcurrentQueue<HookDecision>();
            sidecar.Decided += decisions.Enqueue;

            var hook = HookEntry.HookCommandLine();
            parse.Out().WriteLine($"Hookline demo: server {stack.Server!.GrpcAddress}, policy epoch {stack.Server.PolicyEpoch}, session {sidecar.SessionId}");
            parse.Out().WriteLine($"policy: {policyFile}");
            parse.Out().WriteLine($"hook:   {hook}");
            parse.Out().WriteLine();
            var cwd = Path.Combine(root, "project");
            Directory.CreateDirectory(cwd);
            foreach (var step in DemoScript.Build(Guid.NewGuid().ToString(), cwd))
            {
                decisions.Clear();
                var (exit, stdout, stderr, elapsed) = await RunHookAsync(hook, step, sidecar.SocketPath, cancellationToken);
                decisions.TryDequeue(out var decision);
                Print(parse, step, exit, stdout, stderr, elapsed, decision);
            }
            var flushed = await sidecar.FlushAsync(TimeSpan.FromSeconds(5));
            await sidecar.EndSessionAsync("demo finished");
            parse.Out().WriteLine();
            parse.Out().WriteLine($"Sidecar: {sidecar.Counters}");
            parse.Out().WriteLine(flushed
                ? $"Every event is stored in the audit trail: {stack.Server.DatabasePath}"
                : $"{sidecar.UnacknowledgedEvents} events were not confirmed as stored: {stack.Server.DatabasePath}");
            parse.Out().WriteLine($"  sqlite3 {stack.Server.DatabasePath} \"select hook_event, tool_name, verdict, applied_source, rule_ids, reason from events\"");
            return flushed ? 0 : 1;
        });
        return command;
    }

    private static string WriteDemoPolicy(string root)
    {
        var path = Path.Combine(root, "demo-policy.yaml");
        using var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream("demo/demo-policy.yaml")!;
        using var file = File.Create(path);
        resource.CopyTo(file);
        return path;
    }

    private static async Task<(int Exit, string Stdout, string Stderr, TimeSpan Elapsed)> RunHookAsync(
        string hookCommand, DemoScript.Step step, string socket, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The agent runs the hook command line through a shell, so does the demo.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {hookCommand} --agent claude --event {step.Event}");
        start.Environment["HOOKLINE_SOCKET"] = socket;
        start.Environment["HOOKLINE_FAIL_MODE"] = "closed";
        var started = TimeProvider.System.GetTimestamp();
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(step.Stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        return (process.ExitCode, await stdout, await stderr, elapsed);
    }

    private static void Print(ParseResult parse, DemoScript.Step step, int exit, string stdout, string stderr, TimeSpan elapsed, HookDecision? decision)
    {
        var verdict = decision?.Verdict ?? "?";
        var answer = exit == 2 ? "exit 2 (blocked)" : stdout.Length == 0 ? "no output (agent's own prompts decide)" : "JSON answer";
        var colour = verdict switch
        {
            "deny" => "\u001b[31m",
            "ask" => "\u001b[33m",
            _ => "\u001b[32m",
        };
        var plain = !parse.IsConsole() || Console.IsOutputRedirected;
        parse.Out().WriteLine($"{(plain ? "" : colour)}{verdict.ToUpperInvariant(),-5}{(plain ? "" : "\u001b[0m")} {step.Event,-20} {step.Label}");
        var rules = decision is { RuleIds.Count: > 0 } ? $" rules=[{string.Join(',', decision.RuleIds)}]" : "";
        parse.Out().WriteLine($"      source={decision?.Source ?? "?"} epoch={decision?.PolicyEpoch}{rules} sidecar={decision?.LatencyMicroseconds} µs hook process={elapsed.TotalMilliseconds:F1} ms → {answer}");
        if (decision is { Reason.Length: > 0 })
        {
            parse.Out().WriteLine($"      reason: {decision.Reason}");
        }
        if (stdout.Length > 0)
        {
            parse.Out().WriteLine($"      stdout: {stdout.Trim()}");
        }
        if (stderr.Length > 0)
        {
            parse.Out().WriteLine($"      stderr: {stderr.Trim()}");
        }
    }
}
