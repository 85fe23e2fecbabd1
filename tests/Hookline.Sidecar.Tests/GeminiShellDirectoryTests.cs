using System.Text;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Gemini CLI 0.61.0 runs run_shell_command in its <c>dir_path</c>, resolved against the project when relative. A
/// relative path in the command means a file there, so <c>cat key.pem</c> in <c>secrets</c> must meet
/// <c>Read(./secrets/**)</c> as <c>cat secrets/key.pem</c> does.
/// </summary>
public sealed class GeminiShellDirectoryTests
{
    private const string Policy = """
        version: 1
        rules:
          - {id: no-secrets, effect: deny, match: "Read(./secrets/**)", reason: "secret files"}
        """;

    private static readonly IAgentAdapter Gemini = AgentAdapters.Find("gemini")!;

    private static (HookEvent Event, Decision Decision) Decide(string input)
    {
        var stdin = $$"""
            {"session_id":"s1","cwd":"/home/dev/proj","hook_event_name":"BeforeTool","timestamp":"2026-12-07T06:09:39.179Z",
             "tool_name":"run_shell_command","tool_input":{{input}}}
            """;
        var target = new HookEvent { EventId = "e", Agent = "gemini" };
        Assert.True(Gemini.TryDecode("before-tool", Encoding.UTF8.GetBytes(stdin), target, out var error), error);
        var snapshot = new Hookline.Policy.PolicySnapshot(1, CompiledPolicy.Load(Policy), DateTimeOffset.UnixEpoch);
        return (target, DecisionEngine.Decide(target, snapshot));
    }

    [Theory]
    [InlineData("secrets")]
    [InlineData("./secrets/")]
    [InlineData("/home/dev/proj/secrets")]
    [InlineData("docs/../secrets")]
    public void A_command_run_in_a_denied_directory_is_judged_there(string directory)
    {
        var (e, d) = Decide($$"""{"command":"cat key.pem","description":"show","dir_path":"{{directory}}"}""");

        Assert.Equal(Verdict.Deny, d.Verdict);
        Assert.Contains("no-secrets", d.RuleIds);
        Assert.Equal("/home/dev/proj", e.ProjectDirectory);
    }

    [Fact]
    public void Without_dir_path_the_command_runs_in_the_cwd()
    {
        var (e, d) = Decide("""{"command":"cat key.pem","description":"show"}""");

        Assert.Equal(Verdict.Allow, d.Verdict);
        Assert.Equal("/home/dev/proj", e.Cwd);
    }
}
