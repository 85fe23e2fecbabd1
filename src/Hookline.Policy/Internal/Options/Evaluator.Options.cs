namespace Hookline.Policy.Internal;

/// <summary>Deny and ask patterns for commands with a known option grammar also match by option set.</summary>
internal static partial class Evaluator
{
    /// <summary>
    /// The described pattern when one of the rule's option-aware patterns matches the sub-command and no
    /// <c>unless</c> pattern excuses it, else null. Exceptions match as written, so they never widen; one that reads as
    /// options excuses only the options it names.
    /// </summary>
    private static string? MatchOptionAware(CompiledRule rule, ShellScan shell, SubCommandRange command)
    {
        foreach (var pattern in rule.Match)
        {
            if (pattern.Options is not { } options || !options.Matches(shell, command))
            {
                continue;
            }

            foreach (var exception in rule.Unless)
            {
                if ((CommandPatternMatches(exception, shell[command.Text])
                    || (command.BaseNameText.HasValue && CommandPatternMatches(exception, shell[command.BaseNameText])))
                    && options.ExcusedBy(exception.Options, shell, command))
                {
                    return null;
                }
            }

            return options.Described;
        }

        return null;
    }
}
