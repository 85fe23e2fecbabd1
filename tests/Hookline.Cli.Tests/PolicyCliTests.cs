using System.Text.Json;

namespace Hookline.Cli.Tests;

/// <summary><c>hookline policy check</c>, <c>explain</c> (text and <c>--json</c>), <c>import-claude</c> and <c>replay</c>, run in process.</summary>
public sealed class PolicyCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-pol-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<CliResult> RunAsync(params string[] args) => InProcessCli.RunAsync(args);

    [Fact]
    public async Task Policy_check_accepts_a_valid_document_and_reports_every_error_with_line_and_column()
    {
        var good = Path.Combine(_dir, "good.yaml");
        var bad = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(good, Policies.Standard);
        await File.WriteAllTextAsync(bad, "version: 1\nrules:\n  - id: a\n    effect: allowish\n    match: \"Bash(ls)\"\n  - id: a\n    effect: deny\n");

        var ok = await RunAsync("policy", "check", good);
        var refused = await RunAsync("policy", "check", bad);

        Assert.Equal(0, ok.Exit);
        Assert.Contains("valid; 3 rules", ok.Stdout);
        Assert.NotEqual(0, refused.Exit);
        Assert.Contains("bad.yaml:4:", refused.Stderr);
        Assert.Contains("bad.yaml:6:", refused.Stderr);
    }

    [Fact]
    public async Task Policy_explain_shows_the_sub_command_and_rule_that_decided()
    {
        var policy = Path.Combine(_dir, "policy.yaml");
        var hookEvent = Path.Combine(_dir, "event.json");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        await File.WriteAllTextAsync(hookEvent, HookRun.Bash("cd x && FOO=1 timeout 5 rm -rf /"));

        var run = await RunAsync("policy", "explain", policy, hookEvent);

        Assert.Equal(0, run.Exit);
        Assert.Contains("deny", run.Stdout);
        Assert.Contains("no-force-delete", run.Stdout);
        Assert.Contains("rm -rf /", run.Stdout);
    }

    [Fact]
    public async Task Explain_json_is_machine_readable()
    {
        var policy = Path.Combine(_dir, "policy.yaml");
        var hookEvent = Path.Combine(_dir, "event.json");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        await File.WriteAllTextAsync(hookEvent, HookRun.Bash("git push origin main && ls"));

        var run = await RunAsync("policy", "explain", policy, hookEvent, "--json");

        Assert.Equal(0, run.Exit);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal("ask", json.RootElement.GetProperty("decision").GetString());
        Assert.Equal("confirm-push", json.RootElement.GetProperty("rule_ids")[0].GetString());
        Assert.Equal(["git push origin main", "ls"], json.RootElement.GetProperty("sub_commands").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Explain_decides_a_cursor_file_read_as_production_with_the_machine_given_on_the_command_line()
    {
        var policy = Path.Combine(_dir, "files.yaml");
        var hookEvent = Path.Combine(_dir, "cursor-read.json");
        await File.WriteAllTextAsync(policy, """
            version: 1
            rules:
              - {id: ssh, effect: deny, match: "Read(~/.ssh/**)"}
              - {id: project, effect: allow, match: "Read(./**)"}
            """);
        await File.WriteAllTextAsync(hookEvent, """{"hook_event_name":"beforeReadFile","conversation_id":"c","file_path":"/Users/ann/.SSH/id_rsa","cwd":"/Users/ann"}""");

        var macos = await RunAsync("policy", "explain", policy, hookEvent, "--agent", "cursor", "--home", "/Users/ann", "--platform", "macos");
        var noHome = await RunAsync("policy", "explain", policy, hookEvent, "--agent", "cursor", "--project-dir", "/Users/ann/proj");
        var badPlatform = await RunAsync("policy", "explain", policy, hookEvent, "--platform", "beos");

        Assert.Equal(0, macos.Exit);
        Assert.StartsWith("decision: deny", macos.Stdout, StringComparison.Ordinal);
        Assert.Contains("anchored at: /Users/ann; home: /Users/ann", macos.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("decision: allow (default)", noHome.Stdout, StringComparison.Ordinal);
        Assert.Contains("anchored at: /Users/ann/proj; home: unknown", noHome.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, badPlatform.Exit);
        Assert.Contains("--platform: expected linux, macos or windows", badPlatform.Stderr, StringComparison.Ordinal);
    }

    private const string RewritingPolicy = """
        version: 1
        rules:
          - id: pushes-are-dry-runs
            effect: allow
            match: "Bash(git push *)"
            set: {command: "git push --dry-run", description: "test", timeout: 60000}
        """;

    private async Task<(string Policy, string Event)> RewriteCaseAsync()
    {
        var policy = Path.Combine(_dir, "rewrite.yaml");
        var hookEvent = Path.Combine(_dir, "push.json");
        await File.WriteAllTextAsync(policy, RewritingPolicy);
        await File.WriteAllTextAsync(hookEvent, HookRun.Bash("git push origin main"));
        return (policy, hookEvent);
    }

    [Fact]
    public async Task Explain_shows_the_fields_a_set_rule_changes_and_the_whole_rewritten_input()
    {
        var (policy, hookEvent) = await RewriteCaseAsync();

        var run = await RunAsync("policy", "explain", policy, hookEvent);

        Assert.Equal(0, run.Exit);
        Assert.Contains("rewrite: rule pushes-are-dry-runs sets command, description, timeout", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("command: \"git push origin main\" -> \"git push --dry-run\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("description: \"test\" (unchanged)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("timeout: (absent) -> 60000", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("rewritten input: {\"command\":\"git push --dry-run\",\"description\":\"test\",\"timeout\":60000}", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("run with it by: claude, codex, gemini, copilot; for other agents the decision becomes deny (rewrite_unsupported)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_json_carries_the_rewrite_and_says_when_the_agent_cannot_run_it()
    {
        var (policy, hookEvent) = await RewriteCaseAsync();

        var cursor = await RunAsync("policy", "explain", policy, hookEvent, "--agent", "cursor", "--json");

        Assert.Equal(0, cursor.Exit);
        using var json = JsonDocument.Parse(cursor.Stdout);
        var rewrite = json.RootElement.GetProperty("rewrite");
        Assert.Equal("git push --dry-run", rewrite.GetProperty("input").GetProperty("command").GetString());
        var command = rewrite.GetProperty("fields")[0];
        Assert.Equal("git push origin main", command.GetProperty("before").GetString());
        Assert.True(command.GetProperty("changed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, rewrite.GetProperty("fields")[2].GetProperty("before").ValueKind);
        Assert.False(rewrite.GetProperty("applies_for_agent").GetBoolean());
        Assert.Equal(["claude", "codex", "gemini", "copilot"], rewrite.GetProperty("applied_by").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Explain_shows_no_rewrite_when_the_deciding_rule_sets_nothing()
    {
        var (policy, hookEvent) = await RewriteCaseAsync();
        await File.WriteAllTextAsync(hookEvent, HookRun.Bash("git status"));

        var run = await RunAsync("policy", "explain", policy, hookEvent, "--json");

        Assert.Equal(0, run.Exit);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.False(json.RootElement.TryGetProperty("rewrite", out _));
    }

    [Fact]
    public async Task Import_claude_turns_permissions_into_a_policy_that_checks()
    {
        var settings = Path.Combine(_dir, "settings.json");
        await File.WriteAllTextAsync(settings,
            "{\"permissions\":{\"allow\":[\"Bash(npm run test:*)\"],\"ask\":[\"Bash(git push:*)\"],\"deny\":[\"Read(./.env)\",\"WebFetch(domain:evil.example)\"]}}");

        var import = await RunAsync("policy", "import-claude", settings);
        var policy = Path.Combine(_dir, "imported.yaml");
        await File.WriteAllTextAsync(policy, import.Stdout);
        var check = await RunAsync("policy", "check", policy);

        Assert.Equal(0, import.Exit);
        Assert.Contains("Read(./.env)", import.Stdout);
        Assert.Equal(0, check.Exit);
        Assert.Contains("valid;", check.Stdout);
    }

    [Fact]
    public async Task Replay_without_an_audit_trail_says_so()
    {
        var candidate = Path.Combine(_dir, "p.yaml");
        await File.WriteAllTextAsync(candidate, Policies.Standard);

        var replay = await RunAsync("policy", "replay", candidate, "--data", Path.Combine(_dir, "nowhere"));

        Assert.Equal(2, replay.Exit);
        Assert.Contains("no audit trail there", replay.Stderr);
    }
}
