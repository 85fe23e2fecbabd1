using System.Text.Json;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Item 15 of issue 14: ./ and / anchor at the session's project root, not at the cwd of each event.</summary>
public sealed class ProjectRootAnchorTests
{
    private const string Root = "/home/dev/proj";

    private static readonly CompiledPolicy Policy = PolicyOf("ask",
        ("deny", "Read(/secrets/**)"),
        ("deny", "Edit(./.git/**)"),
        ("allow", "Read(./**)"),
        ("allow", "Bash(cat *)"));

    private static PolicyInput Event(string tool, object input, string cwd, string? projectDir = Root) => new()
    {
        ToolName = tool,
        ToolInput = JsonSerializer.SerializeToElement(input),
        Cwd = cwd,
        ProjectDirectory = projectDir,
        HomeDirectory = Home,
    };

    [Fact]
    public void After_a_cd_into_a_subdirectory_the_project_s_protected_directory_is_still_protected()
    {
        Assert.Equal(Effect.Deny, Policy.Decide(Event("Read", new { file_path = "../secrets/prod.key" }, Root + "/src")));
        Assert.Equal(Effect.Deny, Policy.Decide(Event("Write", new { file_path = "../.git/hooks/pre-commit", content = "x" }, Root + "/src")));
    }

    [Fact]
    public void A_directory_named_like_a_protected_one_below_the_root_is_not_it()
    {
        Assert.Equal(Effect.Allow, Policy.Decide(Event("Read", new { file_path = "secrets/README.md" }, Root + "/docs")));
    }

    [Fact]
    public void Leaving_the_project_with_cd_does_not_take_the_allow_along()
    {
        var outside = Policy.Evaluate(Event("Read", new { file_path = "/etc/hosts" }, "/etc"));
        Assert.True(outside.IsDefault);
    }

    [Fact]
    public void Without_a_project_root_the_event_s_cwd_anchors_as_before()
    {
        Assert.Equal(Effect.Allow, Policy.Decide(Event("Read", new { file_path = "/etc/hosts" }, "/etc", projectDir: null)));
    }

    [Theory]
    [InlineData("workdir")]
    [InlineData("dir_path")]
    public void A_working_directory_sent_with_a_command_applies_like_a_cd(string field)
    {
        var input = new Dictionary<string, string> { ["command"] = "cat < prod.key", [field] = Root + "/secrets" };
        Assert.Equal(Effect.Deny, Policy.Decide(Event("Bash", input, Root)));
        var harmless = new Dictionary<string, string> { ["command"] = "cat < notes.txt", [field] = "docs" };
        Assert.Equal(Effect.Allow, Policy.Decide(Event("Bash", harmless, Root)));
    }
}
