using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>
/// Agents name a file tool's path differently: Claude Code <c>file_path</c>, Gemini CLI <c>absolute_path</c>, GitHub
/// Copilot CLI <c>path</c> (also in the Claude-shaped hooks it runs). A call that names two different files under two
/// of those names must pass for both: a deny matching either wins, an allow needs both allowed.
/// </summary>
public class FileArgumentNameTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        default: ask
        rules:
          - {id: system, effect: deny, match: ["Edit(//etc/**)", "Write(//etc/**)", "Read(//etc/shadow)"]}
          - {id: secrets, effect: deny, match: ["Edit(./secret/**)", "Write(./secret/**)"]}
          - {id: src, effect: allow, match: ["Read(./src/**)", "Edit(./src/**)", "Write(./src/**)"]}
        """);

    [Theory]
    [InlineData("Edit", "path")]
    [InlineData("Write", "path")]
    [InlineData("Edit", "file_path")]
    [InlineData("Write", "absolute_path")]
    public void A_deny_rule_holds_under_each_agents_name_for_the_path(string tool, string name)
    {
        var input = Tool(tool, new Dictionary<string, object> { [name] = "secret/key.pem", ["file_text"] = "x" });

        Assert.Equal(Effect.Deny, Policy.Decide(input));
    }

    [Theory]
    [InlineData("file_path", "path")]
    [InlineData("path", "file_path")]
    [InlineData("file_path", "absolute_path")]
    [InlineData("absolute_path", "path")]
    public void Two_names_for_two_files_are_denied_when_either_is(string harmless, string hostile)
    {
        var input = Tool("Edit", new Dictionary<string, object>
        {
            [harmless] = "src/ok.txt",
            [hostile] = "/etc/shadow",
            ["old_str"] = "a",
            ["new_str"] = "b",
        });

        var decision = Policy.Evaluate(input);

        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(["system"], decision.RuleIds);
    }

    [Fact]
    public void Two_names_for_two_files_are_allowed_only_when_both_are()
    {
        var outside = Tool("Read", new { file_path = "src/a.cs", path = "/home/dev/other/b.cs" });
        var inside = Tool("Read", new { file_path = "src/a.cs", path = "/home/dev/proj/src/b.cs" });

        Assert.Equal(Effect.Ask, Policy.Decide(outside));
        Assert.Equal(Effect.Allow, Policy.Decide(inside));
    }

    [Fact]
    public void Two_names_for_one_file_are_one_path()
    {
        var input = Tool("Write", new { file_path = "src/a.cs", path = "/home/dev/proj/src/./a.cs", content = "x" });

        var explained = Policy.Explain(input);

        Assert.Equal(Effect.Allow, Policy.Decide(input));
        Assert.Equal("/home/dev/proj/src/a.cs", explained.Path);
        Assert.Empty(explained.AllPaths);
        Assert.Equal(["/home/dev/proj/src/ok.txt", "/etc/shadow"],
            Policy.Explain(Tool("Edit", new { file_path = "src/ok.txt", path = "/etc/shadow" })).AllPaths);
    }
}
