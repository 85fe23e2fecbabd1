using System.Text.Json;
using FsCheck.Fluent;
using FsCheck.Xunit;
using FsCheck;
using Hookline.Policy.Internal.Shell;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>FsCheck properties: evasions, order independence and robustness hold for generated inputs, not just listed ones.</summary>
public class PropertyTests
{
    private static readonly string[] DeniedCommands = ["rm -rf /", "rm -rf build", "rm -fr ~", "curl https://evil.com", "wget x", "git push --force origin main"];
    private static readonly string[] HarmlessCommands = ["ls", "ls -la", "cat a.txt", "echo hi", "git status", "npm run test", "true", "pwd", "grep -r x ."];

    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        default: allow
        rules:
          - {id: rm, effect: deny, match: ["Bash(rm -rf *)", "Bash(rm -fr *)"]}
          - {id: net, effect: deny, match: ["Bash(curl *)", "Bash(wget *)"]}
          - {id: force, effect: deny, match: "Bash(git push --force*)"}
          - {id: ok, effect: allow, match: ["Bash(ls *)", "Bash(cat *)", "Bash(echo *)"]}
        """);

    // Wrappers Bash strips, each a function from a command to a wrapped command.
    private static readonly Func<string, string>[] Wrappers =
    [
        c => "timeout 5 " + c,
        c => "timeout -s KILL -k 2 10s " + c,
        c => "time " + c,
        c => "nice -n 5 " + c,
        c => "nohup " + c,
        c => "stdbuf -oL " + c,
        c => "command " + c,
        c => "builtin " + c,
        c => "env " + c,
        c => "env -i A=1 " + c,
        c => "xargs -0 " + c,
        c => "sudo -u root " + c,
        c => "FOO=1 " + c,
        c => "A=x B='y z' " + c,
        c => "cd /tmp && " + c,
        c => "bash -c " + SingleQuote(c),
        c => "sh -c " + SingleQuote(c),
        c => "eval " + SingleQuote(c),
        c => "( " + c + " )",
        c => "{ " + c + "; }",
        c => "echo $( " + c + " )",
        c => "echo `" + c.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`",
        c => "if true; then " + c + "; fi",
        c => "exec " + c,
    ];

    private static readonly string[] Joiners = [" && ", " || ", "; ", " | ", " |& ", " & ", "\n"];

    private static Gen<string> Wrapped(string[] commands) =>
        from command in Gen.Elements(commands)
        from wrappers in Gen.ListOf(Gen.Elements(Wrappers), 4)
        select wrappers.Aggregate(command, (c, wrap) => wrap(c));

    [Property(MaxTest = 300)]
    public Property Wrappers_prefixes_and_cd_never_turn_a_deny_into_anything_else() =>
        Prop.ForAll(Wrapped(DeniedCommands).ToArbitrary(), command =>
            Policy.Evaluate(Bash(command)).Effect == Effect.Deny);

    [Property(MaxTest = 300)]
    public Property Joining_a_denied_command_into_any_chain_keeps_it_denied() =>
        Prop.ForAll(
            (from before in Gen.ListOf(Gen.Elements(HarmlessCommands), 3)
             from after in Gen.ListOf(Gen.Elements(HarmlessCommands), 3)
             from denied in Wrapped(DeniedCommands)
             from joiners in Gen.ArrayOf(Gen.Elements(Joiners), 8)
             select Join(before.Append(denied).Concat(after).ToList(), joiners)).ToArbitrary(),
            command => Policy.Evaluate(Bash(command)).Effect == Effect.Deny);

    [Property(MaxTest = 200)]
    public Property Chains_of_allowed_commands_stay_allowed() =>
        Prop.ForAll(
            (from commands in Gen.NonEmptyListOf(Gen.Elements("ls", "ls -la", "cat x", "echo hi"))
             from joiners in Gen.ArrayOf(Gen.Elements(Joiners), commands.Count)
             select Join(commands.ToList(), joiners)).ToArbitrary(),
            command => Policy.Evaluate(Bash(command)).Effect == Effect.Allow);

    private static readonly (string Effect, string Pattern)[] RulePool =
    [
        ("allow", "Bash(ls *)"), ("allow", "Bash(git *)"), ("allow", "Bash(*)"), ("ask", "Bash(git push *)"),
        ("deny", "Bash(rm *)"), ("ask", "Bash(rm *)"), ("deny", "Bash(git push --force*)"), ("allow", "Bash(cat *)"),
        ("deny", "Bash(curl *)"), ("ask", "Bash(* --force*)"), ("allow", "Read(./**)"), ("deny", "Read(**/.env)"),
        ("ask", "Edit(//etc/**)"), ("allow", "Edit(./src/**)"), ("deny", "WebFetch(domain:*.evil.com)"), ("allow", "WebFetch(domain:*)"),
        ("allow", "Bash"), ("deny", "mcp__prod"), ("ask", "Read(~/.ssh/**)"),
    ];

    private static readonly PolicyInput[] Events =
    [
        Bash("ls -la"), Bash("git push --force"), Bash("git push origin x"), Bash("rm -rf /"), Bash("cat a && rm b"),
        Bash("curl x | sh"), Bash("echo 'x"), Bash("git status; ls"), Read(".env"), Read("src/a.cs"), Read("~/.ssh/id_rsa"),
        Edit("/etc/hosts"), Edit("src/x.cs"), Fetch("https://a.evil.com"), Fetch("https://ok.org"), Tool("mcp__prod__x", new { }),
        Bash("echo x > /etc/hosts"), Bash("$X"),
    ];

    private static Gen<(string Effect, string Pattern)[]> RuleSets => Gen.ArrayOf(Gen.Elements(RulePool), 8);

    [Property(MaxTest = 150)]
    public Property Adding_a_deny_rule_never_turns_a_deny_into_an_allow() =>
        Prop.ForAll(
            (from rules in RuleSets
             from extra in Gen.Elements(RulePool.Where(r => r.Effect == "deny").ToArray())
             from defaultEffect in Gen.Elements("allow", "ask", "deny")
             select (rules, extra, defaultEffect)).ToArbitrary(),
            t =>
            {
                var before = PolicyOf(t.defaultEffect, t.rules);
                var after = PolicyOf(t.defaultEffect, [.. t.rules, t.extra]);
                return Events.All(e => after.Decide(e) >= before.Decide(e));
            });

    [Property(MaxTest = 150)]
    public Property The_result_does_not_depend_on_rule_order() =>
        Prop.ForAll(
            (from rules in RuleSets
             from shuffled in Gen.Shuffle(rules)
             select (rules, shuffled)).ToArbitrary(),
            t =>
            {
                var a = PolicyOf("allow", t.rules);
                var b = PolicyOf("allow", t.shuffled);
                return Events.All(e =>
                {
                    var da = a.Evaluate(e);
                    var db = b.Evaluate(e);
                    return da.Effect == db.Effect && da.ReasonCode == db.ReasonCode && da.IsDefault == db.IsDefault;
                });
            });

    private static readonly string[] IndexedPatterns =
    [
        "Bash(ls *)", "Bash(git push *)", "Bash(rm *)", "Bash(sudo rm *)", "Bash(*)", "Bash(r*)", "Bash", "Read(./src/**)", "Read(src)",
        "Read(~/.ssh/**)", "Read(//etc/**)", "Read(**/.env)", "Read(../x/**)", "Edit(//etc/hosts)", "Edit(./**)", "Write(~/*)",
        "WebFetch(domain:*.a.com)", "WebFetch(domain:a.com)", "WebFetch(domain:*)", "WebFetch", "Read", "Grep(pattern:*x*)",
    ];

    private static readonly PolicyInput[] IndexEvents =
    [
        Bash("ls"), Bash("sudo rm x"), Bash("/bin/rm x"), Bash("git push && ls"), Bash("echo > /etc/hosts"), Bash("cat < ~/.ssh/k"),
        Bash("rsync x"), Read("src/a"), Read("/home/dev/proj/src"), Read("~/.ssh/id"), Read("/etc/passwd"), Read("a/.env"),
        Read("/home/dev/x/y"), Edit("/etc/hosts"), Write("/home/dev/f"), Edit("/home/dev/proj/a"), Fetch("https://x.a.com"),
        Fetch("https://a.com"), Fetch("https://b.com"), Tool("Grep", new { path = "/etc", pattern = "x" }), Tool("Glob", new { pattern = "~/.ssh/*" }),
    ];

    [Property(MaxTest = 150)]
    public Property Indexes_never_change_a_decision() =>
        Prop.ForAll(
            (from patterns in Gen.ArrayOf(Gen.Elements(IndexedPatterns), 10)
             from effects in Gen.ArrayOf(Gen.Elements("allow", "ask", "deny"), 10)
             select patterns.Zip(effects, (p, e) => (e, p)).ToArray()).ToArbitrary(),
            rules =>
            {
                var policy = PolicyOf("allow", rules);
                return IndexEvents.All(e =>
                {
                    var indexed = policy.Evaluate(e);
                    var scanned = policy.EvaluateUnindexed(e);
                    return indexed.Effect == scanned.Effect && indexed.RuleIds.SequenceEqual(scanned.RuleIds) && indexed.ReasonCode == scanned.ReasonCode;
                });
            });

    [Property(MaxTest = 500)]
    public Property Random_commands_never_throw_and_never_allow_unparsable_text(string command) =>
        Prop.ForAll(Arb.From(Gen.Constant(command ?? "")), c =>
        {
            var decision = Policy.Evaluate(Bash(c));
            return !(decision.ReasonCode == "unparsable_command" && decision.Effect == Effect.Allow);
        });

    private static readonly Gen<string> ShellSoup =
        from parts in Gen.ListOf(Gen.Elements("rm", " ", "-rf", "/", "'", "\"", "\\", "$(", ")", "`", "(", "{", "}", ";", "&&", "|", "<<", "EOF", "\n", ">", "<", "${", "$'", "\\x72", "bash -c", "eval", "#", "*", "sudo", "=", "X"))
        select string.Concat(parts);

    [Property(MaxTest = 1000)]
    public Property Shell_metacharacter_soup_never_throws_and_is_never_allowed_when_unparsable() =>
        Prop.ForAll(ShellSoup.ToArbitrary(), c =>
        {
            _ = Hookline.Policy.Internal.Shell.ShellParser.Parse(c); // the parser itself must not throw
            var decision = Policy.Evaluate(Bash(c));
            return decision.ReasonCode != "unparsable_command" || decision.Effect != Effect.Allow;
        });

    [Property(MaxTest = 300)]
    public Property Random_paths_urls_and_tool_inputs_never_throw(string text, string tool) =>
        Prop.ForAll(Arb.From(Gen.Constant((text ?? "", tool ?? ""))), t =>
        {
            var json = JsonSerializer.SerializeToElement(new { command = t.Item1, file_path = t.Item1, url = t.Item1, path = t.Item1, pattern = t.Item1, subagent_type = t.Item1, query = t.Item1 });
            foreach (var name in new[] { "Bash", "Read", "Edit", "Glob", "Grep", "WebFetch", "WebSearch", "Agent", "mcp__x__y", t.Item2 })
            {
                _ = Policy.Evaluate(new PolicyInput { ToolName = name, ToolInput = json, Cwd = t.Item1, HomeDirectory = t.Item1 });
            }

            return true;
        });

    [Property(MaxTest = 300)]
    public Property Random_documents_never_throw_anything_but_PolicyException(string text) =>
        Prop.ForAll(Arb.From(Gen.Constant(text ?? "")), t =>
        {
            var ok = PolicyDocument.TryParse(t, "p", out var doc, out var errors);
            return ok ? doc is not null && errors.Count == 0 : doc is null && errors.Count > 0;
        });

    // How a careful shell user quotes a command for bash -c: ' becomes '\''.
    private static string SingleQuote(string command) => "'" + command.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Join(List<string> commands, string[] joiners)
    {
        var result = commands[0];
        for (var i = 1; i < commands.Count; i++)
        {
            result += joiners[(i - 1) % joiners.Length] + commands[i];
        }

        return result;
    }

    // Found by the property above: YamlDotNet threw ArgumentException for a malformed tag, not a YAML error.
    [Fact]
    public void A_malformed_yaml_tag_is_refused_as_a_syntax_error()
    {
        Assert.False(PolicyDocument.TryParse("!![", "policy.yaml", out _, out var errors));
        Assert.Contains(errors, e => e.Message.Contains("tag", StringComparison.Ordinal));
    }
}
