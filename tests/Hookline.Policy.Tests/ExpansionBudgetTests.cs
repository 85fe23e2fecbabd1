using System.Text;
using Hookline.Policy.Internal.Shell;
using Hookline.Policy.Internal;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>
/// Expansions that call each other twice (aliases, git aliases) and CDPATH × cd grow without bound; the whole line
/// has one work budget, and past it the command is unparsable (ask), never slow and never allowed.
/// </summary>
public class ExpansionBudgetTests
{
    private static readonly CompiledPolicy Policy = PolicyOf("allow",
        ("deny", "Bash(rm -rf *)"),
        ("allow", "Bash(ls *)"),
        ("allow", "Bash(git *)"),
        ("allow", "Bash(cat *)"),
        ("allow", "Bash(cd *)"));

    /// <summary>The reviewer's generator: alias aN calls aN-1 twice, so aN expands to 2^N commands.</summary>
    public static string DoublingAliases(int n)
    {
        var line = new StringBuilder("alias a0=ls; ");
        for (var i = 1; i <= n; i++)
        {
            line.Append($"alias a{i}='a{i - 1}; a{i - 1}'; ");
        }

        return line.Append($"a{n}").ToString();
    }

    /// <summary>The same with git aliases: alias.aN runs "git aN-1" twice through a shell.</summary>
    public static string DoublingGitAliases(int n)
    {
        var line = new StringBuilder("git -c alias.a0=status");
        for (var i = 1; i <= n; i++)
        {
            line.Append($" -c 'alias.a{i}=!git a{i - 1} && git a{i - 1}'");
        }

        return line.Append($" a{n}").ToString();
    }

    public static TheoryData<string> Doubling() => new()
    {
        DoublingAliases(20),
        DoublingAliases(39),
        DoublingGitAliases(20),
        DoublingGitAliases(39),
    };

    [Theory]
    [MemberData(nameof(Doubling))]
    public void Doubling_expansions_are_unparsable_within_the_work_budget(string command)
    {
        var scan = new ShellScan(new TextArena());
        ShellParser.Scan(scan, scan.Text.Append(command));

        Assert.NotNull(scan.Error);
        // The parse stops right after the budget: a bounded amount of work, not 2^20 expansions.
        Assert.InRange(scan.Work, ShellParser.MaxWork, 2 * ShellParser.MaxWork);

        var decision = Policy.Evaluate(Bash(command));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.UnparsableCommand, decision.ReasonCode);
    }

    [Fact]
    public void A_few_doublings_are_still_read_and_matched()
    {
        // Eight doublings are 256 commands: within the budget, every one is read and the denied one found.
        var command = DoublingAliases(8).Replace("alias a0=ls", "alias a0='rm -rf /'", StringComparison.Ordinal);
        Assert.Null(ShellParser.Parse(command).Error);
        Assert.Equal(Effect.Deny, Policy.Decide(Bash(command)));
    }

    [Fact]
    public void Many_CDPATH_entries_times_many_cds_are_unparsable()
    {
        var line = new StringBuilder("CDPATH=");
        for (var i = 0; i < 450; i++)
        {
            line.Append(i == 0 ? "" : ":").Append($"/d{i}");
        }

        for (var i = 0; i < 300; i++)
        {
            line.Append($"; cd x{i}; cat .en?");
        }

        var decision = Policy.Evaluate(Bash(line.ToString()));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.UnparsableCommand, decision.ReasonCode);
    }

    [Fact]
    public void A_short_CDPATH_with_a_cd_is_still_read()
    {
        Assert.Null(ShellParser.Parse("CDPATH=/a:/b:/c; cd src && cat x").Error);
        Assert.Equal(Effect.Allow, Policy.Decide(Bash("CDPATH=/a:/b; cd src && ls")));
    }
}
