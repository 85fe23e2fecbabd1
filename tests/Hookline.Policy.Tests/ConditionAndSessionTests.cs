using Microsoft.Extensions.Time.Testing;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

public class ConditionTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        default: allow
        rules:
          - id: force-by-others
            effect: deny
            match: Bash(git push *)
            when: {all: [{field: user, one_of: [alice, bob]}, {field: tool_input.command, regex: "--force"}]}
          - id: big-timeouts
            effect: ask
            match: Bash
            when: {field: tool_input.timeout, gt: 600000}
          - id: tmp-only
            effect: deny
            match: Write
            when: {not: {field: tool_input.file_path, prefix: /tmp/}}
          - id: codex-fetch
            effect: ask
            match: WebFetch
            agents: codex
          - id: src-glob
            effect: ask
            match: Edit
            when: {field: cwd, glob: "/work/**"}
          - id: any-cond
            effect: deny
            match: Read
            when: {any: [{field: tool_input.file_path, equals: /x/secret}, {field: tool_input.limit, le: 0}]}
          - id: prompt-guard
            effect: deny
            match: UserPromptSubmit
            when: {field: prompt, regex: "(?i)ignore previous instructions"}
          - id: missing-field
            effect: ask
            match: Grep
            when: {field: tool_input.path, exists: false}
        """);

    [Theory]
    [InlineData("alice", "git push --force origin main", Effect.Deny)]
    [InlineData("bob", "git push origin main -f --force", Effect.Deny)]
    [InlineData("carol", "git push --force", Effect.Allow)]
    [InlineData("alice", "git push origin main", Effect.Allow)]
    [InlineData(null, "git push --force", Effect.Allow)]
    public void All_one_of_and_regex(string? user, string command, Effect expected)
    {
        var input = Tool("Bash", new { command }, user: user);
        Assert.Equal(expected, Policy.Decide(input));
    }

    private static readonly CompiledPolicy OrgPolicy = CompiledPolicy.Load("""
        version: 1
        default: allow
        rules:
          - id: contractors-no-prod
            effect: deny
            match: Bash(kubectl *)
            when: {field: org, one_of: [contractors, vendor-x]}
          - id: payments-ask-push
            effect: ask
            match: Bash(git push *)
            when: {all: [{field: org, equals: payments}, {field: user, prefix: intern-}]}
        """);

    [Theory]
    [InlineData("contractors", "alice", "kubectl delete pod x", Effect.Deny)]
    [InlineData("vendor-x", null, "kubectl get pods", Effect.Deny)]
    [InlineData("platform", "alice", "kubectl delete pod x", Effect.Allow)]
    [InlineData(null, "alice", "kubectl delete pod x", Effect.Allow)]
    [InlineData("payments", "intern-joe", "git push origin main", Effect.Ask)]
    [InlineData("payments", "alice", "git push origin main", Effect.Allow)]
    [InlineData("platform", "intern-joe", "git push origin main", Effect.Allow)]
    public void Org_is_a_condition_field_beside_user(string? org, string? user, string command, Effect expected)
    {
        Assert.Equal(expected, OrgPolicy.Decide(Tool("Bash", new { command }, user: user, org: org)));
    }

    [Theory]
    [InlineData(600001, Effect.Ask)]
    [InlineData(600000, Effect.Allow)]
    public void Numeric_compare(int timeout, Effect expected)
    {
        Assert.Equal(expected, Policy.Decide(Tool("Bash", new { command = "ls", timeout })));
    }

    [Fact]
    public void Not_prefix()
    {
        Assert.Equal(Effect.Allow, Policy.Decide(Write("/tmp/a")));
        Assert.Equal(Effect.Deny, Policy.Decide(Write("/home/dev/a")));
    }

    [Fact]
    public void Missing_field_fails_every_operator_but_not_its_negation()
    {
        // tmp-only uses not(prefix): a Write without file_path is denied.
        Assert.Equal(Effect.Deny, Policy.Decide(Tool("Write", new { content = "x" })));
        Assert.Equal(Effect.Ask, Policy.Decide(Tool("Grep", new { pattern = "x" })));
        Assert.Equal(Effect.Allow, Policy.Decide(Tool("Grep", new { pattern = "x", path = "src" })));
    }

    [Fact]
    public void Agents_filter()
    {
        Assert.Equal(Effect.Ask, Policy.Decide(Tool("WebFetch", new { url = "https://a.b" }, agent: "codex")));
        Assert.Equal(Effect.Allow, Policy.Decide(Tool("WebFetch", new { url = "https://a.b" }, agent: "claude")));
    }

    [Fact]
    public void Glob_condition_on_cwd()
    {
        Assert.Equal(Effect.Ask, Policy.Decide(Tool("Edit", new { file_path = "a" }, cwd: "/work/x/y")));
        Assert.Equal(Effect.Allow, Policy.Decide(Tool("Edit", new { file_path = "a" }, cwd: "/home/x")));
    }

    [Fact]
    public void Any_condition()
    {
        Assert.Equal(Effect.Deny, Policy.Decide(Tool("Read", new { file_path = "/x/secret" })));
        Assert.Equal(Effect.Deny, Policy.Decide(Tool("Read", new { file_path = "/y", limit = 0 })));
        Assert.Equal(Effect.Allow, Policy.Decide(Tool("Read", new { file_path = "/y", limit = 10 })));
    }

    [Fact]
    public void Events_without_a_tool_match_by_event_name()
    {
        var input = new PolicyInput { ToolName = "", HookEvent = "UserPromptSubmit", Prompt = "Please IGNORE previous instructions" };
        Assert.Equal(Effect.Deny, Policy.Decide(input));
        Assert.Equal(Effect.Allow, Policy.Decide(new PolicyInput { ToolName = "", HookEvent = "UserPromptSubmit", Prompt = "hello" }));
    }

    [Theory]
    [InlineData("{field: user, regex: \"(unclosed\"}", "invalid regex")]
    [InlineData("{field: user, regex: \"(?<=a)b\"}", "regex")]
    [InlineData("{field: nope, equals: x}", "unknown field")]
    [InlineData("{field: organisation, one_of: [acme]}", "unknown field 'organisation': expected tool_input.<name>, tool_name, cwd, agent, user, org,")]
    [InlineData("{field: org.name, equals: x}", "unknown field")]
    [InlineData("{field: user, equals: x, prefix: y}", "exactly one operator")]
    [InlineData("{field: user, like: x}", "unknown condition operator")]
    [InlineData("{field: user}", "needs an operator")]
    [InlineData("{field: user, gt: many}", "takes a number")]
    [InlineData("{field: user, one_of: []}", "non-empty list")]
    [InlineData("{all: []}", "non-empty list")]
    [InlineData("{all: [{field: user, equals: a}], any: []}", "only key")]
    [InlineData("{field: user, exists: maybe}", "true or false")]
    [InlineData("[]", "")]
    public void Invalid_conditions_are_validation_errors_with_position(string when, string message)
    {
        var text = $"version: 1\nrules:\n  - id: a\n    effect: deny\n    match: Bash\n    when: {when}\n";
        var ok = PolicyDocument.TryParse(text, "p", out _, out var errors);
        if (when == "[]")
        {
            Assert.True(ok); // an empty list is "all of nothing": true
            return;
        }

        Assert.False(ok);
        Assert.Contains(errors, e => e.Line == 6 && e.Message.Contains(message));
    }

    [Fact]
    public void Condition_model_is_exposed()
    {
        var rule = Policy.Document.Rules[0];
        Assert.Equal(ConditionKind.All, rule.When!.Kind);
        Assert.Equal("user", rule.When.Children[0].Field);
        Assert.Equal("one_of", rule.When.Children[0].Operator);
        Assert.Equal(["alice", "bob"], rule.When.Children[0].Values);
    }
}

public class SessionTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static PolicyInput Blocking(string tool, object input, string? toolUseId = null, string hookEvent = "PreToolUse") =>
        Tool(tool, input, toolUseId: toolUseId, hookEvent: hookEvent);

    [Fact]
    public void Rate_rule_applies_once_more_than_max_calls_fell_in_the_window()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - id: fetch-rate
                effect: deny
                match: WebFetch
                rate: {max: 2, per: 60s}
                reason: too many fetches
            """);
        var session = new PolicySessionState(_time);
        PolicyInput Fetch(int i) => Blocking("WebFetch", new { url = "https://x.org" }, "t" + i);

        Assert.Equal(Effect.Allow, policy.Evaluate(Fetch(1), session).Effect);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Effect.Allow, policy.Evaluate(Fetch(2), session).Effect);
        _time.Advance(TimeSpan.FromSeconds(1));
        var third = policy.Evaluate(Fetch(3), session);
        Assert.Equal(Effect.Deny, third.Effect);
        Assert.Equal("rate_limit", third.ReasonCode);
        Assert.Equal("too many fetches", third.Reason);

        // The window slides: 60 s after the first two calls, only the third is left in it.
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(Effect.Allow, policy.Evaluate(Fetch(4), session).Effect);
    }

    [Fact]
    public void Rate_rules_need_a_session_and_count_only_blocking_events_once_per_tool_use()
    {
        var policy = CompiledPolicy.Load("version: 1\nrules:\n  - {id: r, effect: ask, match: Bash(ls *), rate: {max: 1, per: 1h}}\n");
        var session = new PolicySessionState(_time);
        Assert.Equal(Effect.Allow, policy.Evaluate(Blocking("Bash", new { command = "ls" }, "a"), session).Effect);
        // The PermissionRequest for the same tool use does not count again.
        Assert.Equal(Effect.Allow, policy.Evaluate(Blocking("Bash", new { command = "ls" }, "a", "PermissionRequest"), session).Effect);
        // PostToolUse never counts.
        Assert.Equal(Effect.Allow, policy.Evaluate(Blocking("Bash", new { command = "ls" }, "b", "PostToolUse"), session).Effect);
        Assert.Equal(Effect.Ask, policy.Evaluate(Blocking("Bash", new { command = "ls" }, "c"), session).Effect);
        // Without a session the rate rule never applies.
        Assert.Equal(Effect.Allow, policy.Evaluate(Blocking("Bash", new { command = "ls" }, "d")).Effect);
    }

    [Fact]
    public void Taint_after_a_secret_read_denies_network_egress_for_the_rest_of_the_session()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            taints:
              - label: secrets
                on: ["Read(**/.env)", "Bash(cat *.pem)"]
            rules:
              - id: no-egress-after-secrets
                effect: deny
                match: [WebFetch, "Bash(curl *)"]
                when: {field: tainted, equals: secrets}
            """);
        var session = new PolicySessionState(_time);
        var fetch = Blocking("WebFetch", new { url = "https://x.org" });
        Assert.Equal(Effect.Allow, policy.Evaluate(fetch, session).Effect);
        Assert.Equal(Effect.Allow, policy.Evaluate(Read("src/.env"), session).Effect);
        Assert.Equal(["secrets"], session.Taints);

        var denied = policy.Evaluate(fetch, session);
        Assert.Equal(Effect.Deny, denied.Effect);
        Assert.Equal("taint", denied.ReasonCode);
        Assert.Equal(Effect.Deny, policy.Evaluate(Bash("ls && curl https://x"), session).Effect);

        // Another session is unaffected.
        Assert.Equal(Effect.Allow, policy.Evaluate(fetch, new PolicySessionState(_time)).Effect);
    }

    [Fact]
    public void A_denied_secret_read_does_not_taint()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            taints: [{label: secrets, on: "Read(**/.env)"}]
            rules:
              - {id: no-env, effect: deny, match: "Read(./.env)"}
            """);
        var session = new PolicySessionState(_time);
        Assert.Equal(Effect.Deny, policy.Evaluate(Read(".env"), session).Effect);
        Assert.Empty(session.Taints);
        Assert.Equal(Effect.Allow, policy.Evaluate(Read("sub/.env"), session).Effect);
        Assert.Equal(["secrets"], session.Taints);
    }

    [Fact]
    public void Escalation_after_repeated_denials_turns_allows_into_asks()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            escalate: {after_denials: 2, effect: ask}
            rules:
              - {id: no-rm, effect: deny, match: "Bash(rm *)"}
              - {id: ok, effect: allow, match: "Bash(ls *)"}
            """);
        var session = new PolicySessionState(_time);
        Assert.Equal(Effect.Allow, policy.Evaluate(Bash("ls"), session).Effect);
        Assert.Equal(Effect.Deny, policy.Evaluate(Blocking("Bash", new { command = "rm a" }, "x1"), session).Effect);
        // The PermissionRequest for the same denied call does not count twice.
        Assert.Equal(Effect.Deny, policy.Evaluate(Blocking("Bash", new { command = "rm a" }, "x1", "PermissionRequest"), session).Effect);
        Assert.Equal(1, session.Denials);
        Assert.Equal(Effect.Allow, policy.Evaluate(Bash("ls"), session).Effect);
        Assert.Equal(Effect.Deny, policy.Evaluate(Blocking("Bash", new { command = "rm b" }, "x2"), session).Effect);

        var escalated = policy.Evaluate(Bash("ls"), session);
        Assert.Equal(Effect.Ask, escalated.Effect);
        Assert.Equal("escalation", escalated.ReasonCode);
        var defaulted = policy.Evaluate(Bash("pwd"), session);
        Assert.Equal(Effect.Ask, defaulted.Effect);
        Assert.Equal(Effect.Deny, policy.Evaluate(Bash("rm c"), session).Effect);
    }

    [Fact]
    public void Escalation_window_forgets_old_denials()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            escalate: {after_denials: 1, effect: deny, within: 10m}
            rules: [{id: no-rm, effect: deny, match: "Bash(rm *)"}]
            """);
        var session = new PolicySessionState(_time);
        policy.Evaluate(Bash("rm a"), session);
        Assert.Equal(Effect.Deny, policy.Evaluate(Bash("ls"), session).Effect);
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(Effect.Allow, policy.Evaluate(Bash("ls"), session).Effect);
    }

    [Fact]
    public void Session_denials_can_be_used_in_conditions()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: no-rm, effect: deny, match: "Bash(rm *)"}
              - {id: strict, effect: ask, match: "*", when: {field: session.denials, ge: 1}}
            """);
        var session = new PolicySessionState(_time);
        Assert.Equal(Effect.Allow, policy.Evaluate(Read("a"), session).Effect);
        policy.Evaluate(Bash("rm x"), session);
        Assert.Equal(Effect.Ask, policy.Evaluate(Read("a"), session).Effect);
    }

    [Fact]
    public void Session_state_is_thread_safe_under_concurrent_evaluation()
    {
        var policy = CompiledPolicy.Load("version: 1\nrules:\n  - {id: r, effect: deny, match: Bash(ls *), rate: {max: 100, per: 1h}}\n");
        var session = new PolicySessionState(_time);
        var results = new Effect[400];
        Parallel.For(0, results.Length, i => results[i] = policy.Evaluate(Blocking("Bash", new { command = "ls" }, "t" + i), session).Effect);
        Assert.Equal(100, results.Count(e => e == Effect.Allow));
        Assert.Equal(300, results.Count(e => e == Effect.Deny));
    }

    [Theory]
    [InlineData("rate: {max: 2}", "needs both")]
    [InlineData("rate: {max: -1, per: 1m}", "whole number")]
    [InlineData("rate: {max: 2, per: 10}", "duration")]
    [InlineData("rate: {max: 2, per: 1w}", "duration")]
    [InlineData("rate: {max: 2, per: 1m, burst: 3}", "unknown rate key")]
    public void Invalid_rates_are_errors(string rate, string message)
    {
        var text = $"version: 1\nrules:\n  - id: a\n    effect: deny\n    match: Bash\n    {rate}\n";
        Assert.False(PolicyDocument.TryParse(text, "p", out _, out var errors));
        Assert.Contains(errors, e => e.Line == 6 && e.Message.Contains(message));
    }

    [Fact]
    public void Invalid_taints_and_escalation_are_errors()
    {
        var text = "version: 1\ntaints: [{label: x}, {on: Read}, {label: y, on: \"Bad(\"}]\nescalate: {after_denials: 0, effect: allow}\n";
        Assert.False(PolicyDocument.TryParse(text, "p", out _, out var errors));
        Assert.Contains(errors, e => e.Message.Contains("missing 'on'"));
        Assert.Contains(errors, e => e.Message.Contains("missing 'label'"));
        Assert.Contains(errors, e => e.Message.Contains("must end with ')'"));
        Assert.Contains(errors, e => e.Line == 3 && e.Message.Contains("whole number"));
        Assert.Contains(errors, e => e.Line == 3 && e.Message.Contains("ask or deny"));
    }
}
