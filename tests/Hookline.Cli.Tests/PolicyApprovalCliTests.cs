using System.Text.Json;

namespace Hookline.Cli.Tests;

/// <summary><c>hookline policy check</c> and <c>explain</c> on a policy with approvals, run in process.</summary>
public sealed class PolicyApprovalCliTests : IDisposable
{
    private const string Approving = """
        version: 1
        rules:
          - id: prod-deploys
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [group:sre, user:alice], timeout: 120s, on_timeout: ask, remember: session}
          - id: pushes
            effect: ask
            match: "Bash(git push *)"
        approvals: {plain_asks: auto, by: [group:oncall]}
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("hl-appr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(string Policy, string Event)> FilesAsync(string command)
    {
        var policy = Path.Combine(_dir, "policy.yaml");
        var hookEvent = Path.Combine(_dir, "event.json");
        await File.WriteAllTextAsync(policy, Approving);
        await File.WriteAllTextAsync(hookEvent, HookRun.Bash(command));
        return (policy, hookEvent);
    }

    [Fact]
    public async Task Check_warns_that_on_timeout_ask_becomes_a_deny_for_agents_without_a_prompt()
    {
        var (policy, _) = await FilesAsync("ls");

        var run = await InProcessCli.RunAsync("policy", "check", policy);

        Assert.Equal(0, run.Exit);
        Assert.Contains("valid; 2 rules", run.Stdout);
        Assert.Contains("policy.yaml:3:5: warning: rule prod-deploys: on_timeout: ask reaches codex, gemini, copilot", run.Stdout);
    }

    [Fact]
    public async Task Check_refuses_on_timeout_allow_with_its_line_and_column()
    {
        var policy = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(policy, Approving.Replace("on_timeout: ask", "on_timeout: allow", StringComparison.Ordinal));

        var run = await InProcessCli.RunAsync("policy", "check", policy);

        Assert.Equal(1, run.Exit);
        Assert.Contains("bad.yaml:6:72: on_timeout cannot be allow", run.Stderr);
    }

    [Fact]
    public async Task Explain_shows_who_approves_what_and_for_how_long()
    {
        var (policy, hookEvent) = await FilesAsync("kubectl  apply --context prod");

        var run = await InProcessCli.RunAsync("policy", "explain", policy, hookEvent);

        Assert.Equal(0, run.Exit);
        Assert.Contains("approval: by group:sre, user:alice; timeout 120s; on_timeout ask; remember session; rule prod-deploys", run.Stdout);
        Assert.Contains("approves: kubectl apply --context prod", run.Stdout);
    }

    [Fact]
    public async Task Explain_json_has_the_approval_or_null()
    {
        var (policy, hookEvent) = await FilesAsync("git push origin main");

        var claude = await InProcessCli.RunAsync("policy", "explain", policy, hookEvent, "--json");
        var codex = await InProcessCli.RunAsync("policy", "explain", policy, hookEvent, "--json", "--agent", "codex");

        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(claude.Stdout).RootElement.GetProperty("approval").ValueKind);
        var approval = JsonDocument.Parse(codex.Stdout).RootElement.GetProperty("approval");
        Assert.Equal(["group:oncall"], approval.GetProperty("by").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(120_000, approval.GetProperty("timeout_ms").GetInt32());
        Assert.Equal("deny", approval.GetProperty("on_timeout").GetString());
        Assert.Equal("once", approval.GetProperty("remember").GetString());
        Assert.False(approval.GetProperty("self_approve").GetBoolean());
        Assert.Equal("", approval.GetProperty("rule_id").GetString());
        Assert.Equal("git push origin main", approval.GetProperty("subject").GetString());
        Assert.Equal(64, approval.GetProperty("subject_key").GetString()!.Length);
    }
}
