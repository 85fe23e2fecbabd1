using Hookline.Policy.Internal.Shell;
using Hookline.Policy.Internal;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>xargs runs its command with words from stdin, appended or in place of a -I/-i replacement string.</summary>
public class XargsInputTests
{
    private static readonly CompiledPolicy Policy = PolicyOf("allow",
        ("deny", "Bash(rm -rf *)"),
        ("deny", "Bash(cat *.env*)"),
        ("deny", "Bash(sh -c *rm -rf*)"),
        ("allow", "Bash(echo *)"),
        ("allow", "Bash(printf *)"),
        ("allow", "Bash(cat *)"),
        ("allow", "Bash(rm *)"),
        ("allow", "Bash(sh *)"),
        ("allow", "Bash(xargs *)"),
        ("allow", "Bash(wc *)"));

    [Theory]
    [InlineData("echo .env | xargs cat")]
    [InlineData("xargs cat <<< .env")]
    [InlineData("echo -rf / | xargs rm")]
    [InlineData("echo 'rm -rf /' | xargs -I % sh -c '%'")]
    [InlineData("echo .env | xargs -I % sh -c 'cat %'")]
    [InlineData("echo / | xargs -i rm -rf {}")]
    [InlineData("printf '%s\\n' .env | xargs --replace=@ cat @")]
    public void Literal_input_is_read_as_the_commands_words(string command)
    {
        Assert.Equal(Effect.Deny, Policy.Decide(Bash(command)));
    }

    [Theory]
    [InlineData("cat list.txt | xargs cat")]
    [InlineData("cat list.txt | xargs -I X sh -c X")]
    public void Unseen_input_is_a_word_only_known_at_run_time(string command)
    {
        Assert.Equal(Effect.Ask, Policy.Decide(Bash(command)));
    }

    [Fact]
    public void The_command_is_read_with_the_input_words()
    {
        var parse = ShellParser.Parse("echo a.txt | xargs -I {} cp {} /tmp/");
        Assert.Contains(parse.Commands, c => c.Text == "cp a.txt /tmp/");
        Assert.Equal(Effect.Allow, Policy.Decide(Bash("echo README.md | xargs wc -l")));
    }
}
