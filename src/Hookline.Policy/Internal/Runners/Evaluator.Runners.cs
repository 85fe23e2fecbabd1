using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Shell;
using Hookline.Policy.Internal.Runners;

namespace Hookline.Policy.Internal.Matching;

/// <summary>Pipelines for patterns with '|', the later-word backstop for unknown runners, and shell concerns.</summary>
internal static partial class Evaluator
{
    /// <summary>A pattern containing '|' against the text of each pipeline (<c>curl URL | sh</c>).</summary>
    private static string? MatchPipelines(CompiledRule rule, ShellScan shell, out string? matched)
    {
        matched = null;
        if (shell.Pipelines.Count == 0)
        {
            return null;
        }

        foreach (var pipeline in shell.Pipelines)
        {
            var text = shell[pipeline];
            foreach (var pattern in rule.Match)
            {
                if (pattern.Kind != PatternKind.Command || !pattern.Command!.HasPipe || !pattern.Command.IsMatch(text) || IsExcepted(rule, text))
                {
                    continue;
                }

                matched = shell.Text.ToStringOrNull(pipeline);
                return pattern.Text;
            }
        }

        return null;
    }

    private static bool IsExcepted(CompiledRule rule, ReadOnlySpan<char> text)
    {
        foreach (var exception in rule.Unless)
        {
            if (PlainPatternMatches(exception, text))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The backstop for runners nobody listed: a deny or ask pattern that matches from a later word of a command
    /// (<c>mytool exec rm -rf /</c>) means that command may run it. Commands known to treat their words as data are skipped.
    /// </summary>
    private static RuleHit? MatchLaterWord(CompiledRule rule, ShellScan shell)
    {
        if (rule.Rate is not null)
        {
            return null;
        }

        foreach (var command in shell.Commands)
        {
            var words = shell.WordsOf(command);
            if (!RunnerBackstop.MayRun(shell, words))
            {
                continue;
            }

            for (var j = 1; j < words.Length; j++)
            {
                if (!RunnerBackstop.CanStartCommand(shell, words[j]) || !StartsSomePattern(rule, CommandSimplifier.BaseName(shell[words[j].Text])))
                {
                    continue;
                }

                var text = shell.Text;
                var mark = text.Length;
                // In word form, as MatchCommand reads it: a space inside one argument stays part of that argument.
                Words.WordText.AppendWord(text, CommandSimplifier.BaseName(shell[words[j].Text]));
                foreach (var word in words[(j + 1)..])
                {
                    text.Append(Words.WordText.Separator);
                    Words.WordText.AppendWord(text, shell[word.Text]);
                }

                var pattern = MatchCommand(rule, text[text.From(mark)]);
                var matched = pattern is null ? null : text.ToStringOrNull(text.From(mark))!.Replace(Words.WordText.Separator, ' ');
                text.Truncate(mark);
                if (pattern is not null)
                {
                    return new RuleHit(rule, pattern, matched!, true);
                }
            }
        }

        return null;
    }

    private static bool StartsSomePattern(CompiledRule rule, ReadOnlySpan<char> name)
    {
        foreach (var pattern in rule.Match)
        {
            if (pattern.Kind == PatternKind.Command && pattern.Command!.FirstWord is { } first && name.SequenceEqual(first))
            {
                return true;
            }
        }

        return false;
    }

    private static PolicyDecision NestedDecision(CompiledPolicy policy, RuleHit hit)
    {
        var effect = policy.Document.Default == Effect.Deny ? Effect.Deny : Effect.Ask;
        var reason = $"'{hit.Subject}' matches rule {hit.Rule.Id} ({hit.Pattern}) from a later word: the command before it may run it";
        return new PolicyDecision(effect, false, reason, ReasonCodes.NestedCommand, [hit.Rule.Id], hit.Subject);
    }

    private static PolicyDecision ConcernDecision(CompiledPolicy policy, ShellScan shell, ShellConcern concern)
    {
        // Never allow; ask, or deny when that is the default anyway.
        var effect = policy.Document.Default == Effect.Deny ? Effect.Deny : Effect.Ask;
        return new PolicyDecision(effect, false, concern.Reason, concern.ReasonCode, [], shell.Text.ToStringOrNull(concern.Subject));
    }
}
