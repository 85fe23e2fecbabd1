using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>An event that ends in allow is decided without allocating: the policy runs on every tool call.</summary>
public class AllocationTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        default: allow
        rules:
          - {id: no-rm, effect: deny, match: ["Bash(rm -rf *)", "Bash(rm -fr *)"]}
          - {id: push, effect: ask, match: "Bash(git push *)"}
          - {id: env, effect: deny, match: ["Read(./.env)", "Edit(//etc/**)"]}
          - {id: evil, effect: deny, match: "WebFetch(domain:*.evil.com)"}
          - {id: git, effect: allow, match: ["Bash(git status)", "Bash(git diff *)", "Bash(git commit *)", "Bash(git log *)"]}
          - {id: tests, effect: allow, match: "Bash(npm run test:*)"}
          - {id: nav, effect: allow, match: ["Bash(cd *)", "Bash(grep *)", "Bash(ls *)"]}
          - {id: src, effect: allow, match: ["Read(./src/**)", "Edit(./src/**)"]}
          - {id: docs, effect: allow, match: "WebFetch(domain:*.example.com)"}
          - {id: github, effect: allow, match: "mcp__github__*"}
          - {id: mcp-deny, effect: deny, match: "mcp__shell__*"}
        """);

    public static TheoryData<string> AllowedEvents => [.. Events.Keys];

    private static readonly Dictionary<string, PolicyInput> Events = new()
    {
        ["bash allowed by one rule"] = Bash("npm run test -- --watch"),
        ["bash compound, wrappers, assignments, quoting"] = Bash("cd src && FOO=1 timeout 5 git status | grep \"modified\" ; nice -n 5 npm run test -- 'a b'"),
        ["bash with escapes and a $'...' word"] = Bash("git commit -m 'fix: the \"thing\"' -m $'line\\x20two' && git log --oneline"),
        ["bash -c body and a substitution"] = Bash("bash -c \"git status && git diff HEAD\" && ls \"$(git status)\""),
        ["bash by path, sudo-free, env wrapper"] = Bash("env -i /usr/bin/git diff --stat"),
        ["bash matched by no rule (default)"] = Bash("make -j4 all"),
        ["bash runners, a pipeline, a later word naming a denied command"] = Bash("setsid nice -n 5 npm run test:unit rm | grep x && GIT_PAGER=cat git log -3"),
        ["read under src, normalised"] = Read("src/../src/app/./main.cs"),
        ["read absolute, nothing matched (default)"] = Read("/home/dev/proj/README.md"),
        ["edit under src"] = Edit("/home/dev/proj/src/lib/util.cs"),
        ["webfetch allowed domain with userinfo and port"] = Fetch("https://user@Docs.Example.com:443/guide?q=1"),
        ["webfetch, nothing matched (default)"] = Fetch("https://learn.microsoft.com/dotnet"),
        ["mcp tool allowed"] = Tool("mcp__github__get_issue", new { owner = "o", repo = "r", issue = 1 }),
    };

    [Theory]
    [MemberData(nameof(AllowedEvents))]
    public void A_warm_allow_evaluation_allocates_nothing(string name)
    {
        var input = Events[name];
        Assert.Equal(Effect.Allow, Policy.Evaluate(input).Effect);
        for (var i = 0; i < 50; i++)
        {
            Policy.Evaluate(input); // warm: first calls fill caches, grow the thread's buffers, compile regexes
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            Policy.Evaluate(input);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Allow_decisions_name_every_allowing_rule_and_are_shared()
    {
        var compound = Policy.Evaluate(Bash("cd src && git status && npm run test"));
        Assert.Equal(Effect.Allow, compound.Effect);
        Assert.Equal(["git", "tests", "nav"], compound.RuleIds);
        Assert.Same(compound, Policy.Evaluate(Bash("git status; cd x; npm run test -- x")));
        Assert.Null(compound.Matched);

        // Deny and ask still say what matched.
        Assert.Equal("rm -rf /", Policy.Evaluate(Bash("cd src && rm -rf /")).Matched);
    }
}
