using System.Text.Json;

namespace Hookline.EndToEnd.Tests;

/// <summary><c>hookline doctor</c> against a temp HOME, the real hook binary and a real server process.</summary>
public sealed class DoctorTests : IAsyncLifetime
{
    private ProcessStack _stack = null!;

    private string Home => Path.Combine(_stack.Directory, "home");

    public async Task InitializeAsync()
    {
        _stack = await ProcessStack.StartAsync(withSidecar: false);
        Directory.CreateDirectory(Path.Combine(Home, ".claude"));
        await File.WriteAllTextAsync(Path.Combine(Home, ".claude", "settings.json"), $$$"""
            {"permissions": {}, "hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
              {"type": "command", "command": "echo mine"},
              {"type": "command", "command": "{{{Artifacts.Hook}}} --agent claude --event pre-tool-use"}]}]}}
            """);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private Task<(int Exit, string Stdout, string Stderr)> DoctorAsync(params string[] extra) => CliRun.RunAsync(
        ["doctor", "--json", "--server-http", $"http://127.0.0.1:{_stack.HttpPort}", "--project", Path.Combine(_stack.Directory, "project"), .. extra],
        new Dictionary<string, string>
        {
            ["HOME"] = Home,
            ["CODEX_HOME"] = Path.Combine(Home, ".codex"),
            ["XDG_RUNTIME_DIR"] = Path.Combine(_stack.Directory, "rt"),
        });

    private static Dictionary<string, (string Status, string Detail)> Checks(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("checks").EnumerateArray()
            .GroupBy(c => c.GetProperty("check").GetString()!)
            .ToDictionary(g => g.Key, g => (g.First().GetProperty("status").GetString()!, g.First().GetProperty("detail").GetString()!));
    }

    [Fact]
    public async Task A_hook_pointing_at_a_missing_binary_is_broken_and_the_rest_is_reported()
    {
        Directory.CreateDirectory(Path.Combine(Home, ".codex"));
        await File.WriteAllTextAsync(Path.Combine(Home, ".codex", "hooks.json"),
            """{"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": "/nonexistent/hookline-hook --agent codex --event pre-tool-use"}]}]}}""");

        var run = await DoctorAsync();

        Assert.Equal(1, run.Exit);
        var checks = Checks(run.Stdout);
        Assert.Equal("ok", checks["claude hooks"].Status);
        Assert.Equal("fail", checks["codex hooks"].Status);
        Assert.Contains("/nonexistent/hookline-hook does not exist", checks["codex hooks"].Detail);
        Assert.Equal("warn", checks["gemini hooks"].Status);
        Assert.Equal("warn", checks["daemon"].Status);
        Assert.Equal("ok", checks["server"].Status);
        Assert.Contains("policy epoch 1 in force", checks["server"].Detail);
    }

    [Fact]
    public async Task One_agent_wired_and_a_server_that_answers_is_healthy_and_an_unwired_agent_asked_for_is_not()
    {
        var claude = await DoctorAsync("--agent", "claude");
        var gemini = await DoctorAsync("--agent", "gemini");

        Assert.True(claude.Exit == 0, claude.Stdout + claude.Stderr);
        Assert.Equal(1, gemini.Exit);
        Assert.Equal("fail", Checks(gemini.Stdout)["gemini hooks"].Status);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_broken_with_what_to_fix_in_text()
    {
        await _stack.KillServerAsync();

        var run = await CliRun.RunAsync(["doctor", "--agent", "claude", "--server-http", $"http://127.0.0.1:{_stack.HttpPort}"],
            new Dictionary<string, string> { ["HOME"] = Home, ["XDG_RUNTIME_DIR"] = Path.Combine(_stack.Directory, "rt") });

        Assert.Equal(1, run.Exit);
        Assert.Contains("FAIL  server:", run.Stdout);
        Assert.Contains("fix: start `hookline server`", run.Stdout);
    }
}
