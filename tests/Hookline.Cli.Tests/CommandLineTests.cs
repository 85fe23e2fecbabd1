namespace Hookline.Cli.Tests;

/// <summary>The command line itself, in process: help, parse errors, bad input, config files and the token tools' errors.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Help_lists_every_command_on_stdout_and_exits_0()
    {
        var help = await InProcessCli.RunAsync("--help");

        Assert.Equal(0, help.Exit);
        foreach (var command in new[] { "server", "sidecar", "hook", "start", "install", "uninstall", "demo", "policy", "events", "sessions", "coverage", "tail", "token", "approvals", "export", "verify", "doctor" })
        {
            Assert.Contains($"  {command} ", help.Stdout, StringComparison.Ordinal);
        }
        Assert.Equal("", help.Stderr);
    }

    [Fact]
    public async Task An_unknown_command_is_a_parse_error_on_stderr_and_exit_1()
    {
        var run = await InProcessCli.RunAsync("polcy", "check", "x.yaml");

        Assert.Equal(1, run.Exit);
        Assert.Contains("polcy", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_agent_is_refused_before_anything_is_written()
    {
        var run = await InProcessCli.RunAsync("install", "--agent", "vim", "--scope", "project", "--project", _dir.Path);

        Assert.NotEqual(0, run.Exit);
        Assert.Contains("Argument 'vim' not recognized. Must be one of:", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task An_invalid_policy_is_named_with_its_line_and_exit_1_and_a_missing_file_is_exit_2()
    {
        var bad = _dir.File("bad.yaml");
        await File.WriteAllTextAsync(bad, "version: 1\nrules:\n  - id: a\n    effect: maybe\n    match: \"Bash(ls)\"\n");

        var invalid = await InProcessCli.RunAsync("policy", "check", bad);
        var missing = await InProcessCli.RunAsync("policy", "check", _dir.File("none.yaml"));

        Assert.Equal(1, invalid.Exit);
        Assert.Contains("bad.yaml:4:", invalid.Stderr, StringComparison.Ordinal);
        Assert.Equal("", invalid.Stdout);
        Assert.Equal(2, missing.Exit);
        Assert.Contains("none.yaml", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_test_prints_each_case_and_the_summary_and_exits_1_when_one_fails()
    {
        var policy = _dir.File("policy.yaml");
        var cases = _dir.File("cases.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        await File.WriteAllTextAsync(cases, """
            - name: force delete
              tool: Bash
              input: {command: "rm -rf /"}
              expect: deny
            - name: wrong on purpose
              tool: Bash
              input: {command: "git push origin main"}
              expect: allow
            """);
        var passing = _dir.File("passing.yaml");
        await File.WriteAllTextAsync(passing, """
            - name: status
              tool: Bash
              input: {command: "git status"}
              expect: allow
            """);

        var failed = await InProcessCli.RunAsync("policy", "test", policy, cases);
        var passed = await InProcessCli.RunAsync("policy", "test", policy, passing);

        Assert.Equal(1, failed.Exit);
        Assert.Contains("1 passed, 1 failed", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains("wrong on purpose", failed.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, passed.Exit);
        Assert.Contains("1 passed, 0 failed", passed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_test_with_a_missing_cases_file_is_a_clear_error_and_exit_2()
    {
        var policy = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);

        var run = await InProcessCli.RunAsync("policy", "test", policy, _dir.File("no-cases.yaml"));

        Assert.Equal(2, run.Exit);
        Assert.Contains("no-cases.yaml", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_revoke_of_an_unknown_token_says_so_and_exits_1()
    {
        var data = _dir.File("data");
        var created = await InProcessCli.RunAsync("token", "create", "--data", data, "--name", "ci", "--scope", "sidecar");

        var unknown = await InProcessCli.RunAsync("token", "revoke", "--data", data, "nobody");
        var revoked = await InProcessCli.RunAsync("token", "revoke", "--data", data, "ci");

        Assert.True(created.Exit == 0, created.Stderr);
        Assert.StartsWith("created tok_", created.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("hl_", created.Stdout.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("hookline token revoke: no active token with id or name 'nobody'", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, revoked.Exit);
        Assert.Contains("revoked ", revoked.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_create_with_a_scope_it_does_not_know_is_a_parse_error()
    {
        var run = await InProcessCli.RunAsync("token", "create", "--data", _dir.File("data"), "--name", "x", "--scope", "root");

        Assert.Equal(1, run.Exit);
        Assert.Contains("root", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("data")));
    }

    [Fact]
    public async Task A_config_file_gives_the_flags_the_command_line_did_not_and_an_unknown_key_is_named_with_its_line()
    {
        var data = _dir.File("data");
        await InProcessCli.RunAsync("token", "create", "--data", data, "--name", "from-config", "--scope", "read");
        var good = _dir.File("good.conf");
        await File.WriteAllTextAsync(good, $"data: {data}\n");
        var bad = _dir.File("bad.conf");
        await File.WriteAllTextAsync(bad, "data: /tmp\ncolour: blue\n");

        var listed = await InProcessCli.RunAsync("token", "list", "--config", good);
        var refused = await InProcessCli.RunAsync("token", "list", "--config", bad);

        Assert.True(listed.Exit == 0, listed.Stderr);
        Assert.Contains("from-config", listed.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("hookline token list: " + bad + ":2: unknown key 'colour'", refused.Stderr, StringComparison.Ordinal);
    }
}
