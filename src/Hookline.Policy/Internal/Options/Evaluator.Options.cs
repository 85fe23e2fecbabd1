using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Options;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Matching;

/// <summary>Deny and ask patterns for commands with a known option grammar also match by option set.</summary>
internal static partial class Evaluator
{
    /// <summary>
    /// The described pattern when one of the rule's option-aware patterns matches the sub-command and no
    /// <c>unless</c> pattern excuses it, else null. Exceptions match as written, so they never widen; one that reads as
    /// options excuses only the options it names.
    /// </summary>
    private static string? MatchOptionAware(CompiledRule rule, ShellScan shell, SubCommandRange command, EventSubject subject)
    {
        var patterns = rule.Match;
        for (var i = 0; i < patterns.Length; i++)
        {
            if (patterns[i].Options is not { } options || ReadBefore(patterns, i, options) || !options.Matches(shell, command, subject))
            {
                continue;
            }

            if (!Excused(rule, options, shell, command))
            {
                return options.Described;
            }
        }

        return null;
    }

    private static bool Excused(CompiledRule rule, OptionPattern options, ShellScan shell, SubCommandRange command)
    {
        foreach (var exception in rule.Unless)
        {
            if ((PlainPatternMatches(exception, shell[command.Text])
                || (command.BaseNameText.HasValue && PlainPatternMatches(exception, shell[command.BaseNameText])))
                && options.ExcusedBy(exception.Options, shell, command))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An earlier pattern of the rule requires the same (another spelling of it): it did not match either.</summary>
    private static bool ReadBefore(RulePattern[] patterns, int index, OptionPattern options)
    {
        for (var j = 0; j < index; j++)
        {
            if (ReferenceEquals(patterns[j].Options?.Key, options.Key))
            {
                return true;
            }
        }

        return false;
    }
}
