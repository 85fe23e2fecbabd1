namespace Hookline.Hook.Tests;

/// <summary>A miswired hook blocks (exit 2) with a one-line usage error instead of silently allowing.</summary>
public sealed class UsageTests
{
    [Theory]
    [InlineData("--event is required", "--agent", "claude")]
    [InlineData("--agent is required", "--event", "pre-tool-use")]
    [InlineData("unknown argument '--verbose'", "--agent", "claude", "--event", "pre-tool-use", "--verbose")]
    [InlineData("--socket needs a value", "--agent", "claude", "--event", "pre-tool-use", "--socket")]
    [InlineData("--event must be printable ASCII", "--agent", "claude", "--event", "pre tool use")]
    public async Task Bad_arguments_exit_2_with_a_one_line_usage_error(string problem, params string[] args)
    {
        using var dir = new TempDir();

        var result = await HookRun.RunAsync(
            args, "{}"u8.ToArray(), new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl") });

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        var line = Assert.Single(result.StderrText.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(problem, line);
        Assert.Contains("usage: hookline-hook --agent NAME --event EVENT [--socket PATH]", line);
    }

    [Fact]
    public async Task Equals_form_arguments_are_accepted()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, [], []));

        var result = await HookRun.RunAsync(
            ["--agent=codex", "--event=post-tool-use", "--socket=" + sidecar.SocketPath],
            [],
            new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl") });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Frames.RequestPayload("codex", "post-tool-use", 0, []), await sidecar.Request);
    }
}
