using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Item 6 of issue 14: code given inline or on stdin is a class of its own.</summary>
public class OpaqueCodeTests
{
    [Theory]
    [InlineData("python3 -c \"import shutil; shutil.rmtree('/home')\"")]
    [InlineData("python -Ic 'print(1)'")]
    [InlineData("python3.12 -c'print(1)'")]
    [InlineData("python3 -")]
    [InlineData("python3")]
    [InlineData("perl -lne 'print if /x/' f")]
    [InlineData("perl -MData::Dumper -e 1")]
    [InlineData("ruby -rjson -e 'p 1'")]
    [InlineData("node -pe 1")]
    [InlineData("node --eval=1")]
    [InlineData("bun --print 1")]
    [InlineData("deno eval 1")]
    [InlineData("php -r 'echo 1;'")]
    [InlineData("lua5.4 -e 'print(1)'")]
    [InlineData("osascript -e 'beep'")]
    [InlineData("Rscript -e 'q()'")]
    [InlineData("awk 'BEGIN { system(\"id\") }'")]
    [InlineData("awk '{ print | \"sort\" }' f")]
    [InlineData("gawk 'BEGIN { \"date\" | getline d }'")]
    [InlineData("pwsh -NoProfile -c Get-Date")]
    [InlineData("pwsh -Comm Get-Date")]
    [InlineData("powershell Get-Date")]
    [InlineData("make -f - all")]
    [InlineData("make -sf/dev/stdin")]
    [InlineData("make --eval='x:;@true' x")]
    [InlineData("uv run python -c 1")]
    [InlineData("timeout 5 node -e 1")]
    [InlineData("sudo python3 -c 1")]
    [InlineData("vim -c '!id' x")]
    public void Inline_code_asks_even_where_an_allow_rule_matches_the_interpreter(string command)
    {
        var first = command.Split(' ')[0];
        var policy = PolicyOf("allow", ("allow", $"Bash({first} *)"), ("allow", "Bash(sudo *)"), ("allow", "Bash(uv *)"), ("allow", "Bash(timeout *)"));
        var decision = policy.Evaluate(Bash(command));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.OpaqueCode, decision.ReasonCode);
    }

    [Theory]
    [InlineData("python3 -m pytest -q")]
    [InlineData("python3 manage.py test")]
    [InlineData("python3 --version")]
    [InlineData("python3 -V")]
    [InlineData("node --version")]
    [InlineData("node -v")]
    [InlineData("node --test")]
    [InlineData("node app.js -e x")]
    [InlineData("perl script.pl -e x")]
    [InlineData("ruby -v")]
    [InlineData("awk '{ print $1 }' f")]
    [InlineData("awk '/a|b/ || /c/ { n++ }' f")]
    [InlineData("awk -f prog.awk f")]
    [InlineData("make -j4 test")]
    [InlineData("pwsh ./build.ps1")]
    [InlineData("pwsh -File ./build.ps1")]
    [InlineData("uv run pytest")]
    [InlineData("grep -r python3 -e x .")]
    public void Look_alikes_keep_their_allow(string command)
    {
        var first = command.Split(' ')[0];
        var policy = PolicyOf("ask", ("allow", $"Bash({first} *)"));
        Assert.Equal(Effect.Allow, policy.Decide(Bash(command)));
    }

    [Fact]
    public void Only_an_exact_one_liner_allows_inline_code()
    {
        var policy = PolicyOf("allow", ("allow", "Bash(python3 -c \"print(1)\")"), ("allow", "Bash(node -e *)"), ("allow", "Bash(python3 -c \"print(2)\" *)"));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("python3 -c \"print(1)\"")));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("python3 -c 'print(1)'")));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("python3 -c 'print(2)' arg")));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("python3 -c 'print(1); import os'")));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("node -e 'anything'")));
        // A program on stdin is not in the command line: no allow rule can name it.
        var stdin = PolicyOf("allow", ("allow", "Bash(python3)"), ("allow", "Bash(echo *)"));
        Assert.Equal(Effect.Ask, stdin.Decide(Bash("echo 'import os' | python3")));
    }

    [Theory]
    [InlineData("python3 -c \"import os; os.system('rm -rf /')\"")]
    [InlineData("python3 -c \"import subprocess; subprocess.run(['rm', '-rf', '/'])\"")]
    [InlineData("python3 -c \"import subprocess; subprocess.run(['sudo','rm','-rf','/'])\"")]
    [InlineData("python3 -c 'import os; os.system(\"rm -rf \" + \"/\")'")]
    [InlineData("python3 -c \"\"\"import os\nos.system('''rm -rf /''')\"\"\"")]
    [InlineData("perl -e 'system(\"rm\", \"-rf\", \"/\")'")]
    [InlineData("perl -e 'print qx{rm -rf /}'")]
    [InlineData("ruby -e 'system(*%w[rm -rf /])'")]
    [InlineData("node -e \"require('child_process').execSync(`rm -rf /`)\"")]
    [InlineData("awk -v c='rm -rf /' 'BEGIN { system(c) }'")]
    [InlineData("python3 -c 'import os,sys; os.system(sys.argv[1])' 'rm -rf /'")]
    [InlineData("pwsh -c 'rm -rf /'")]
    [InlineData("powershell -enc cgBtACAALQByAGYAIAAvAA==")]
    [InlineData("make --eval='x: ; rm -rf /' x")]
    [InlineData("python3 -c \"import os; os.system('bash -c \\\"rm -rf /\\\"')\"")]
    public void Shell_commands_in_string_literals_meet_deny_rules(string command)
    {
        var policy = PolicyOf("allow", ("deny", "Bash(rm -rf *)"), ("allow", "Bash(python3 *)"));
        var decision = policy.Evaluate(Bash(command));
        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(["r0"], decision.RuleIds);
    }

    [Fact]
    public void A_literal_that_is_not_a_command_line_changes_nothing()
    {
        // "it's" has an unbalanced quote as shell text: that probe is dropped, the command is still readable.
        var policy = PolicyOf("allow", ("deny", "Bash(rm -rf *)"));
        var decision = policy.Evaluate(Bash("python3 -c \"print(\\\"it's $HOME\\\"); x = 'a' if y else \\\"b\\\"\""));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.OpaqueCode, decision.ReasonCode);
    }

    [Fact]
    public void Opaque_code_key_sets_the_effect_and_is_validated()
    {
        var deny = CompiledPolicy.Load("version: 1\nopaque_code: deny\nrules:\n  - {id: a, effect: ask, match: \"Bash(ls *)\"}\n");
        Assert.Equal(Effect.Deny, deny.Document.OpaqueCode);
        Assert.Equal([PolicyFeatures.OpaqueCode], deny.Document.RequiredFeatures);
        // deny beats an ask rule on another sub-command
        Assert.Equal(Effect.Deny, deny.Decide(Bash("ls; python3 -c 1")));

        var plain = CompiledPolicy.Load("version: 1\n");
        Assert.Equal(Effect.Ask, plain.Document.OpaqueCode);
        Assert.Empty(plain.Document.RequiredFeatures);

        Assert.False(PolicyDocument.TryParse("version: 1\nopaque_code: allow\n", "p.yaml", out _, out var errors));
        var error = Assert.Single(errors);
        Assert.Equal(2, error.Line);
        Assert.Equal(14, error.Column);
        Assert.Contains("ask, deny", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deny_default_makes_inline_code_deny()
    {
        var policy = PolicyOf("deny", ("allow", "Bash(python3 *)"));
        Assert.Equal(Effect.Deny, policy.Decide(Bash("python3 -c 1")));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("python3 app.py")));
    }
}
