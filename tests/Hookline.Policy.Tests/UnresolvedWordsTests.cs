using Hookline.Policy.Internal.Shell;
using Hookline.Policy.Internal.Words;
using Hookline.Policy.Internal;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Words only known at run time, brace expansion and same-line constants.</summary>
public class UnresolvedWordsTests
{
    private static readonly CompiledPolicy Policy = PolicyOf("allow",
        ("deny", "Bash(rm -rf *)"),
        ("deny", "Bash(cat *.env*)"),
        ("ask", "Bash(git push --force*)"),
        ("allow", "Bash(cat *)"),
        ("allow", "Bash(echo *)"),
        ("allow", "Bash(ls *)"),
        ("allow", "Bash(git *)"));

    [Fact]
    public void Options_read_around_unresolved_words_still_deny()
    {
        // The option-aware matcher reads -rf wherever it stands, so the unresolved words do not weaken it to ask.
        Assert.Equal(Effect.Deny, Policy.Evaluate(Bash("rm $EMPTY -rf /tmp/x $EMPTY")).Effect);
    }

    [Theory]
    [InlineData("rm $F /")]
    [InlineData("rm \"$F\" /")]
    [InlineData("rm $(printf -- -rf) /")]
    [InlineData("cat $FILE")]
    [InlineData("cat .en?")]
    [InlineData("cat src/$NAME")]
    [InlineData("git push $OPTS origin main")]
    [InlineData("F=-rf rm $F /")] // a prefix assignment does not set $F for the expansion
    [InlineData("read F; F2=$F; rm $F2 /")]
    [InlineData("(F=-v); rm $F /")] // a subshell's assignment does not reach rm
    [InlineData("echo $(F=-v) && rm $F /")]
    [InlineData("x='a[$(rm -rf /)]'; echo $((x))")]
    [InlineData("echo $((COUNT+1))")]
    [InlineData("y=$((x))")]
    [InlineData("echo ${arr[i]}")]
    [InlineData("echo \"${name:off:len}\"")]
    public void A_word_that_could_complete_a_deny_or_ask_pattern_asks(string command)
    {
        var decision = Policy.Evaluate(Bash(command));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.UnresolvedWord, decision.ReasonCode);
    }

    [Theory]
    [InlineData("echo $HOME", Effect.Allow)]
    [InlineData("ls \"$DIR\"/src *.md", Effect.Allow)]
    [InlineData("cat src/*.json", Effect.Allow)]
    [InlineData("echo ${arr[@]} ${arr[0]} ${HOME:0:1} ${X:-default} ${#X}", Effect.Allow)]
    [InlineData("cat .e*", Effect.Ask)]
    [InlineData("rm * /tmp/x", Effect.Ask)]
    [InlineData("cat README.md src/$NAME.txt", Effect.Ask)] // .env could still sit inside: $NAME may be "x/.env"
    [InlineData("git log $(git merge-base HEAD main)..HEAD", Effect.Allow)]
    [InlineData("git commit -m \"$(cat <<'EOF'\nmessage\nEOF\n)\"", Effect.Allow)]
    [InlineData("n=4; echo $((n * 2)) $((RANDOM % 3)) $((16#ff + 0x1f))", Effect.Allow)]
    [InlineData("F=-rf; rm $F /", Effect.Deny)]
    [InlineData("F=-rf && rm $F /", Effect.Deny)]
    [InlineData("F='-rf /tmp'; rm $F", Effect.Deny)]
    [InlineData("export F=-rf; rm $F /", Effect.Deny)]
    [InlineData("rm -{rf,v} /", Effect.Deny)]
    [InlineData("cat .e{n,}v", Effect.Deny)]
    [InlineData("{rm,-rf,/}", Effect.Deny)]
    public void Ordinary_words_are_decided_as_usual_and_constants_resolve(string command, Effect expected)
    {
        Assert.Equal(expected, Policy.Decide(Bash(command)));
    }

    [Theory]
    [InlineData("rm -{r,f} /", new[] { "rm", "-r", "-f", "/" })]
    [InlineData("cat .e{n,}v", new[] { "cat", ".env", ".ev" })]
    [InlineData("echo {1..3} {a..c}", new[] { "echo", "1", "2", "3", "a", "b", "c" })]
    [InlineData("echo {a,b}{1,2}", new[] { "echo", "a1", "a2", "b1", "b2" })]
    [InlineData("echo '{a,b}' \"{c,d}\"", new[] { "echo", "{a,b}", "{c,d}" })]
    [InlineData("echo ${X:-{a,b}}", new[] { "echo", "${X:-{a,b}}" })]
    public void Brace_expansion_is_static(string command, string[] words)
    {
        var parse = ShellParser.Parse(command);
        Assert.Null(parse.Error);
        Assert.Equal(words, parse.Commands[0].Words);
    }

    [Fact]
    public void Brace_expansion_is_bounded()
    {
        var parse = ShellParser.Parse("echo {1..1000}");
        Assert.Equal(["echo", "{1..1000}"], parse.Commands[0].Words);
        Assert.Equal(Effect.Allow, Policy.Decide(Bash("echo {1..1000}")));
        Assert.Equal(Effect.Ask, Policy.Decide(Bash("rm {1..1000} /")));
    }

    [Theory]
    [InlineData("rm\u001F-rf", "rm\uE002\uE000", true)] // an unquoted word may split into -rf and more
    [InlineData("rm\u001F-rf", "rm\u001F\uE001", true)] // a quoted word is one word, and -rf is one word
    [InlineData("rm\u001F-rf\u001F*", "rm\u001F\uE001", false)] // one word cannot be two
    [InlineData("rm\u001F-rf", "rm\u001F-v\uE002\uE000", false)]
    [InlineData("rm\u001F-rf", "rm\u001F-r\uE001", true)]
    [InlineData("rm\u001F-rf", "rm\uE002\uE000\u001F-rf", true)] // the word may vanish
    [InlineData("cat\u001F*.env*", "cat\u001F.en\uE001", true)]
    [InlineData("cat\u001F*.env*", "cat\u001FREADME", false)]
    [InlineData("ls\u001F*", "cat\u001F\uE000", false)]
    [InlineData("cat\u001F*.env*", "cat\u001F.en\uE003", true)] // the glob's literal part is evidence
    [InlineData("cat\u001F*id_rsa*", "cat\u001Fsrc/\uE003.json", false)] // a name made of glob text alone is not
    [InlineData("rm\u001F-rf\u001F*", "rm\u001F\uE003\uE002\uE000", true)] // rm * with a file named -rf
    public void Templates_intersect_patterns(string pattern, string template, bool expected)
    {
        Assert.Equal(expected, WildcardIntersection.Intersects(pattern, template));
    }
}
