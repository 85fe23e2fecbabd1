using System.Text.Json;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Item 9 of issue 14: paths as the operating system resolves them.</summary>
public sealed class OsPathTests
{
    private static readonly CompiledPolicy Policy = PolicyOf("allow",
        ("deny", "Read(~/.ssh/**)"),
        ("deny", "Read(//etc/shadow)"),
        ("deny", "Read(**/.env)"),
        ("deny", "Read(./secrets/**)"),
        ("deny", "Edit(//etc/**)"),
        ("allow", "Read(//**)"));

    [Theory]
    [InlineData("/proc/self/root/home/dev/.ssh/id_rsa")]
    [InlineData("/proc/self/root/etc/shadow")]
    [InlineData("/proc/self/root/proc/self/root/etc/shadow")]
    [InlineData("/proc/self/cwd/secrets/prod.key")]
    [InlineData("/proc/self/cwd/../proj/.env")]
    public void Proc_self_aliases_are_read_as_the_paths_they_open(string path) =>
        Assert.Equal(Effect.Deny, Policy.Decide(Read(path)));

    [Theory]
    [InlineData("/proc/1234/root/etc/shadow")]
    [InlineData("/proc/1/cwd/secrets/prod.key")]
    [InlineData("/proc/thread-self/root/etc/shadow")]
    [InlineData("/dev/fd/3")]
    [InlineData("/proc/self/fd/7")]
    public void Another_process_s_view_or_an_open_descriptor_is_asked_about_never_allowed(string path)
    {
        var decision = Policy.Evaluate(Read(path));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.OpaquePath, decision.ReasonCode);
    }

    [Fact]
    public void Opaque_paths_are_left_alone_when_no_file_rule_applies()
    {
        var policy = PolicyOf("allow", ("deny", "Bash(rm -rf *)"));
        Assert.True(policy.Evaluate(Read("/proc/1234/root/etc/shadow")).IsDefault);
    }

    [Theory]
    [InlineData("cat < /proc/self/root/etc/shadow", Effect.Deny)]
    [InlineData("echo x > /proc/self/root/etc/hosts", Effect.Deny)]
    [InlineData("echo x > /proc/42/root/etc/hosts", Effect.Ask)]
    [InlineData("cat < /dev/fd/3", Effect.Ask)]
    [InlineData("cat < /proc/cpuinfo", Effect.Allow)]
    public void Redirect_targets_are_resolved_the_same_way(string command, Effect expected)
    {
        var policy = PolicyOf("allow", ("deny", "Read(//etc/shadow)"), ("deny", "Edit(//etc/**)"), ("allow", "Bash(cat *)"), ("allow", "Bash(echo *)"));
        Assert.Equal(expected, policy.Decide(Bash(command)));
    }

    [Fact]
    public void A_tilde_user_path_uses_the_home_the_sidecar_reported()
    {
        var policy = PolicyOf("allow", ("deny", "Read(//srv/alice/**)"), ("allow", "Read(//**)"));
        var input = With(Read("~alice/.aws/credentials"), userHomes: new Dictionary<string, string> { ["alice"] = "/srv/alice" });
        Assert.Equal(Effect.Deny, policy.Decide(input));
    }

    [Fact]
    public void A_tilde_user_path_with_no_known_home_may_be_the_agent_user_s_own_and_is_never_allowed()
    {
        // ~dev may well be the agent user's own home: a ~ deny rule matches under any home it could be.
        Assert.Equal(Effect.Deny, Policy.Decide(Read("~dev/.ssh/id_rsa")));
        var decision = Policy.Evaluate(Read("~dev/notes.txt"));
        Assert.Equal((Effect.Ask, ReasonCodes.OpaquePath), (decision.Effect, decision.ReasonCode));
    }

    [Theory]
    [InlineData("/home/dev/proj/.ENV")]
    [InlineData("/home/dev/proj/Secrets/prod.key")]
    [InlineData("/home/dev/.SSH/id_rsa")]
    [InlineData("/ETC/shadow")]
    public void On_a_case_insensitive_file_system_another_spelling_of_a_protected_name_is_the_same_file(string path)
    {
        Assert.Equal(Effect.Deny, Policy.Decide(With(Read(path), caseInsensitive: true)));
        Assert.Equal(Effect.Allow, Policy.Decide(Read(path))); // a different file where case matters
    }

    [Fact]
    public void A_symlink_s_real_path_is_checked_too_a_deny_on_either_wins()
    {
        var link = With(Read("/home/dev/proj/notes.txt"), resolved: ["/etc/shadow"]);
        Assert.Equal(Effect.Deny, Policy.Decide(link));
    }

    [Fact]
    public void Explain_lists_the_real_path_beside_the_written_one()
    {
        var text = Policy.Explain(With(Read("/home/dev/proj/notes.txt"), resolved: ["/etc/shadow"])).ToString();
        Assert.Contains("path: /home/dev/proj/notes.txt\npath: /etc/shadow\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_allow_needs_both_the_written_and_the_real_path_allowed()
    {
        var policy = PolicyOf("ask", ("allow", "Read(./**)"));
        Assert.Equal(Effect.Allow, policy.Decide(With(Read("/home/dev/proj/docs/a.md"), resolved: ["/home/dev/proj/shared/a.md"])));
        var outside = policy.Evaluate(With(Read("/home/dev/proj/docs/a.md"), resolved: ["/opt/other/a.md"]));
        Assert.True(outside.IsDefault);
    }

    private static PolicyInput With(PolicyInput input, IReadOnlyDictionary<string, string>? userHomes = null, bool caseInsensitive = false, IReadOnlyList<string>? resolved = null) => new()
    {
        ToolName = input.ToolName,
        ToolInput = input.ToolInput,
        Cwd = input.Cwd,
        HomeDirectory = input.HomeDirectory,
        Agent = input.Agent,
        UserHomes = userHomes,
        CaseInsensitivePaths = caseInsensitive,
        ResolvedPaths = resolved,
    };

    internal static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);
}
