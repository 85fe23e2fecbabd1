using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>
/// Bash evaluates an array subscript wherever it takes a variable name at run time: in the value an indirect
/// <c>${!x}</c> names, and in the NAME argument of printf -v, test -v, read, declare -n, unset. A <c>$( )</c> there runs.
/// </summary>
public class NameEvaluationTests
{
    private static readonly CompiledPolicy Policy = PolicyOf("allow",
        ("deny", "Bash(rm -rf *)"),
        ("ask", "Bash(git push --force*)"),
        ("allow", "Bash(echo *)"),
        ("allow", "Bash(printf *)"),
        ("allow", "Bash(test *)"),
        ("allow", "Bash(read *)"),
        ("allow", "Bash(declare *)"),
        ("allow", "Bash(unset *)"));

    [Theory]
    [InlineData("printf -v 'a[$(rm -rf /)]' x")]
    [InlineData("test -v 'a[$(rm -rf /)]'")]
    [InlineData("[ -v 'a[$(rm -rf /)]' ]")]
    [InlineData("read 'a[$(rm -rf /)]' <<< x")]
    [InlineData("declare -n r='a[$(rm -rf /)]'; echo $r")]
    [InlineData("unset 'a[`rm -rf /`]'")]
    public void A_command_in_the_subscript_of_a_name_argument_is_matched(string command)
    {
        Assert.Equal(Effect.Deny, Policy.Decide(Bash(command)));
    }

    [Theory]
    [InlineData("x='a[$(rm -rf /)]'; echo ${!x}")]
    [InlineData("x='a[$(git push -f)]' && echo \"${!x}\"")]
    [InlineData("echo ${!NAME}")]
    public void Indirect_expansion_of_a_value_not_known_to_be_a_plain_name_asks(string command)
    {
        var decision = Policy.Evaluate(Bash(command));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.UnresolvedWord, decision.ReasonCode);
    }

    [Theory]
    [InlineData("printf -v line '%s-%s' a b")]
    [InlineData("test -v HOME && echo set")]
    [InlineData("read -r first <<< 'a b'")]
    [InlineData("echo ${!BASH*} ${!arr[@]}")]
    [InlineData("v=HOME; echo ${!v}")]
    public void Plain_names_and_name_listings_stay_allowed(string command)
    {
        Assert.Equal(Effect.Allow, Policy.Decide(Bash(command)));
    }
}
