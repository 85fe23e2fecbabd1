using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Shell;
using Hookline.Policy.Internal.Words;

namespace Hookline.Policy.Internal.Matching;

/// <summary>Sub-commands holding words the engine could not resolve ($VAR, $( ), globs, arithmetic on a variable).</summary>
internal static partial class Evaluator
{
    /// <summary>
    /// At least ask (deny when that is the default) when arithmetic on an unknown variable can run code, or when a
    /// deny or ask pattern could match a sub-command once its unresolved words are replaced by what they could be.
    /// Otherwise null: the sub-command is decided as usual, so ordinary <c>$VAR</c> uses do not ask.
    /// </summary>
    private static PolicyDecision? DecideUnresolved(CompiledPolicy policy, ShellScan shell, ReadOnlySpan<CompiledRule> candidates, EvaluationContext context)
    {
        var effect = policy.Document.Default == Effect.Deny ? Effect.Deny : Effect.Ask;
        var text = shell.Text;
        if (shell.Constants.RiskyArithmetic.HasValue)
        {
            var word = text.ToStringOrNull(shell.Constants.RiskyArithmetic)!;
            return new PolicyDecision(effect, false, $"arithmetic on a variable not known to hold a number can run code: {word}", ReasonCodes.UnresolvedWord, [], word);
        }

        for (var i = 0; i < shell.Commands.Count; i++)
        {
            var command = shell.Commands[i];
            if (command.IsDynamic || !WordForms.HasUnresolvedWord(shell, command))
            {
                continue;
            }

            var mark = text.Length;
            var templates = WordForms.Templates(shell, command);
            foreach (var rule in candidates)
            {
                if (rule.Effect == Effect.Allow || !Preconditions(rule, context))
                {
                    continue;
                }

                foreach (var pattern in rule.Match)
                {
                    if (pattern.Kind != PatternKind.Command || !CouldMatch(pattern.Command!, shell, templates))
                    {
                        continue;
                    }

                    var matched = text.ToStringOrNull(command.Text)!;
                    text.Truncate(mark);
                    return new PolicyDecision(effect, false,
                        $"'{matched}' holds a word only known at run time, and rule {rule.Id} ({pattern.Text}) could then match it",
                        ReasonCodes.UnresolvedWord, [rule.Id], matched);
                }
            }

            text.Truncate(mark);
        }

        return null;
    }

    private static bool CouldMatch(BashPattern pattern, ShellScan shell, CommandWordForms templates) =>
        pattern.CouldMatch(shell[templates.Text], denyOrAsk: true)
        || (templates.BaseName.HasValue && pattern.CouldMatch(shell[templates.BaseName], denyOrAsk: true))
        || (templates.Privileged.HasValue && pattern.CouldMatch(shell[templates.Privileged], denyOrAsk: true));
}
