using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;
using Hookline.Server;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// How long a person's answer takes to reach the agent: a real <c>hookline-hook</c> process (Claude PreToolUse) waits
/// on a command the policy sends to approval; once the approval is pending, it is approved through the API
/// (<c>POST /api/approvals/{id}/approve</c>, as <c>hookline approvals approve</c> does) and the time is taken from the
/// POST until the hook has exited with its allow: server → stream → sidecar → socket → hook → agent. The server and
/// the sidecar run in this process, linked in memory as under <c>hookline start</c>; authentication off (the local user
/// answers).
/// </summary>
internal static class ApprovalLatencyMode
{
    private const string Policy = """
        version: 1
        default: allow
        rules:
          - id: approve-deploys
            effect: ask
            match: "Bash(deploy *)"
            approval: {by: [any-approver], timeout: 60s, self_approve: true}
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        if (!File.Exists(RepoPaths.Hook))
        {
            report.Note($"approval-latency skipped: {RepoPaths.Hook} does not exist; run ./build.sh first.");
            return true;
        }
        var n = options.Int("n", 40);
        var warmup = options.Int("warmup", 4);
        using var directory = new TempDirectory("approval");
        var policy = directory.Combine("approval-policy.yaml");
        await File.WriteAllTextAsync(policy, Policy);
        await using var stack = await InProcessStack.StartAsync(directory, inMemoryLink: true, configure: o =>
        {
            o.PolicyFile = policy;
            o.HttpListen = "http://127.0.0.1:0";
            o.Auth = ServerAuthMode.Off;
        }, budget: TimeSpan.FromMilliseconds(options.Int("budget-ms", 8)));
        using var http = new HttpClient { BaseAddress = new Uri(stack.Server.HttpAddress! + "/"), Timeout = Patience };
        HooklineHttp.MarkAsClient(http.DefaultRequestHeaders);

        var answerToAllow = new List<long>(n);
        var post = new List<long>(n);
        var failures = new List<string>();
        for (var i = 0; i < warmup + n; i++)
        {
            // A new subject each time: nothing folds into an earlier approval, nothing is remembered.
            var (toAllow, postTicks, problem) = await OneAsync(stack.Sidecar.SocketPath, http, $"deploy svc-{i} --to prod", directory);
            if (problem is not null)
            {
                failures.Add($"#{i}: {problem}");
            }
            else if (i >= warmup)
            {
                answerToAllow.Add(toAllow);
                post.Add(postTicks);
            }
        }

        var chain = LatencySummary.FromTicks([.. answerToAllow]);
        var request = LatencySummary.FromTicks([.. post]);
        report.Note($"Approval latency: {n} approvals (after {warmup} warm-up), one at a time. Each: `{RepoPaths.Hook} --agent claude --event pre-tool-use --approval-wait` on `deploy svc-N --to prod` (an ask rule with `approval: {{by: [any-approver]}}`), the approval polled from `GET /api/approvals?status=pending`, then approved with `POST /api/approvals/ID/approve`; timed from the POST until the hook exited with its allow. Server and sidecar in this process, linked in memory (as `hookline start`), SQLite, auth off, sidecar budget {options.Int("budget-ms", 8)} ms (a call that needs an approval waits past it for the server's pending answer).");
        report.Table("From the approval's POST to the hook's allow (ms)", ["span", "n", "p50", "p90", "p99", "max"],
        [
            Row("POST → hook exited with allow (what the agent waits)", chain),
            Row("POST → its HTTP response", request),
        ]);
        foreach (var failure in failures.Take(5))
        {
            report.Line("failure " + failure);
        }
        report.Note($"Decision sources in the sidecar: {stack.Sources()}. Failures: {failures.Count}.");
        return failures.Count == 0 && answerToAllow.Count == n;
    }

    /// <summary>One hook on one pending approval, approved through the API.</summary>
    private static async Task<(long AnswerToAllow, long Post, string? Problem)> OneAsync(string socket, HttpClient http, string command, TempDirectory directory)
    {
        var info = new ProcessStartInfo(RepoPaths.Hook, ["--agent", "claude", "--event", "pre-tool-use", "--approval-wait"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["HOOKLINE_SOCKET"] = socket;
        info.Environment["HOOKLINE_FAIL_MODE"] = "closed";
        using var hook = Process.Start(info)!;
        var stdout = hook.StandardOutput.ReadToEndAsync();
        var stderr = hook.StandardError.ReadToEndAsync();
        await hook.StandardInput.BaseStream.WriteAsync(Stdin(command, directory));
        hook.StandardInput.Close();

        var id = await PendingIdAsync(http, command, hook);
        if (id is null)
        {
            await hook.WaitForExitAsync().WaitAsync(Patience);
            return (0, 0, $"no pending approval appeared (hook exit {hook.ExitCode}: {await stdout}{await stderr})");
        }
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync($"api/approvals/{id}/approve",
            new StringContent("""{"reason":"load tool"}""", Encoding.UTF8, "application/json"));
        var posted = Stopwatch.GetTimestamp();
        await hook.WaitForExitAsync().WaitAsync(Patience);
        var exited = Stopwatch.GetTimestamp();
        var output = await stdout;
        if (!response.IsSuccessStatusCode)
        {
            return (0, 0, $"POST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        if (hook.ExitCode != 0 || output.Contains("deny", StringComparison.Ordinal))
        {
            return (0, 0, $"the approved hook did not allow: exit {hook.ExitCode}, {output}{await stderr}");
        }
        return (exited - started, posted - started, null);
    }

    /// <summary>The id of the pending approval whose subject holds <paramref name="command"/> (any, if the server shows no subjects).</summary>
    private static async Task<string?> PendingIdAsync(HttpClient http, string command, Process hook)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience && !hook.HasExited)
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync("api/approvals?status=pending"));
            var items = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement
                : document.RootElement.TryGetProperty("approvals", out var list) ? list : default;
            if (items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                {
                    var subject = item.TryGetProperty("subject", out var s) ? s.GetString() ?? "" : "";
                    if (subject.Length == 0 || subject.Contains(command, StringComparison.Ordinal))
                    {
                        return item.GetProperty("id").GetString();
                    }
                }
            }
            await Task.Delay(5);
        }
        return null;
    }

    private static byte[] Stdin(string command, TempDirectory directory) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["session_id"] = "3982e839-f0d1-4fef-886f-7146ed1dad82",
        ["transcript_path"] = directory.Combine("transcript.jsonl"),
        ["cwd"] = "/home/dev/proj",
        ["permission_mode"] = "default",
        ["hook_event_name"] = "PreToolUse",
        ["tool_name"] = "Bash",
        ["tool_input"] = new Dictionary<string, string> { ["command"] = command },
        ["tool_use_id"] = "toolu_" + Guid.NewGuid().ToString("N")[..12],
    }));

    private static string[] Row(string name, LatencySummary summary) =>
    [
        name, summary.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Ms(summary.P50), Ms(summary.P90), Ms(summary.P99), Ms(summary.Max),
    ];

    private static string Ms(double microseconds) => Report.Fixed(microseconds / 1000.0, "0.0");
}
