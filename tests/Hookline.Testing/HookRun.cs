using System.Diagnostics;
using System.Text.Json;

namespace Hookline.Testing;

/// <summary>One spawn of the published AOT hook, as an agent does it: stdin JSON in, exit code and output back.</summary>
public sealed record HookRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string? PermissionDecision => Stdout.Length == 0
        ? null
        : JsonDocument.Parse(Stdout).RootElement.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString();

    /// <param name="socket">Null: no HOOKLINE_SOCKET, so the hook uses (and may start) the per-user daemon.</param>
    /// <param name="environment">Added to, and winning over, what this sets.</param>
    /// <param name="hook">The hook binary (default: the published artifacts/bin/hookline-hook).</param>
    /// <param name="approvalWait">Pass <c>--approval-wait</c>, as Hookline's wiring does: the hook may wait for a person.</param>
    public static async Task<HookRun> SpawnAsync(string? socket, string hookEvent, string stdin, string failMode = "closed", string agent = "claude",
        IReadOnlyDictionary<string, string>? environment = null, string? hook = null, bool approvalWait = false)
    {
        var start = new ProcessStartInfo(hook ?? Artifacts.Hook)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--agent", agent, "--event", hookEvent })
        {
            start.ArgumentList.Add(arg);
        }
        if (approvalWait)
        {
            start.ArgumentList.Add("--approval-wait");
        }
        start.Environment.Remove("HOOKLINE_SOCKET");
        if (socket is not null)
        {
            start.Environment["HOOKLINE_SOCKET"] = socket;
            start.Environment["HOOKLINE_ORPHAN_FILE"] = Path.Combine(Path.GetDirectoryName(socket)!, "orphans.jsonl");
        }
        start.Environment["HOOKLINE_FAIL_MODE"] = failMode;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        clock.Stop();
        return new HookRun(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    public static string Bash(string command) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["session_id"] = "3982e839-f0d1-4fef-886f-7146ed1dad82",
        ["transcript_path"] = "/home/dev/.claude/projects/-home-dev-proj/3982e839.jsonl",
        ["cwd"] = "/home/dev/proj",
        ["permission_mode"] = "default",
        ["hook_event_name"] = "PreToolUse",
        ["tool_name"] = "Bash",
        ["tool_input"] = new Dictionary<string, string> { ["command"] = command, ["description"] = "test" },
        ["tool_use_id"] = "toolu_" + Guid.NewGuid().ToString("N"),
    });
}
