using Hookline.Policy.Internal.Document;
using Hookline.Policy.Internal.FileArguments;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Matching;

/// <summary>Pattern matching against sub-commands, redirect targets, paths, hosts and raw text.</summary>
internal static partial class Evaluator
{
    /// <summary>
    /// Returns the matching pattern's text, or null. <paramref name="words"/> is a sub-command in word form: deny and
    /// ask rules give inner <c> * </c> words their zero-word meaning, and their <c>unless</c> excuses per argument.
    /// </summary>
    private static string? MatchCommand(CompiledRule rule, ReadOnlySpan<char> words)
    {
        var denyOrAsk = rule.Effect != Effect.Allow;
        foreach (var pattern in rule.Match)
        {
            if (!CommandPatternMatches(pattern, words, denyOrAsk))
            {
                continue;
            }

            if (denyOrAsk ? Words.UnlessExcuse.Excuses(rule, pattern, words) : AnyExceptionMatches(rule, words))
            {
                if (denyOrAsk)
                {
                    continue;
                }

                return null;
            }

            return pattern.Text;
        }

        return null;
    }

    private static bool AnyExceptionMatches(CompiledRule rule, ReadOnlySpan<char> words)
    {
        foreach (var exception in rule.Unless)
        {
            if (CommandPatternMatches(exception, words, denyOrAsk: false))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A sub-command as space-joined text (pipelines, option-aware excuses): its spaces are taken as word gaps.</summary>
    private static bool PlainPatternMatches(RulePattern pattern, ReadOnlySpan<char> plain) =>
        pattern.Kind switch
        {
            PatternKind.Command => pattern.Command!.IsMatch(plain),
            PatternKind.AnyUse => pattern.AppliesTo(ToolNames.Bash),
            _ => false,
        };

    private static bool CommandPatternMatches(RulePattern pattern, ReadOnlySpan<char> words, bool denyOrAsk) =>
        pattern.Kind switch
        {
            PatternKind.Command => pattern.Command!.MatchesWords(words, denyOrAsk),
            PatternKind.AnyUse => pattern.AppliesTo(ToolNames.Bash),
            _ => false,
        };

    private static string? MatchFileAccess(CompiledRule rule, string[] paths, bool write, EventSubject subject, out string? matched)
    {
        matched = null;
        foreach (var path in paths)
        {
            if (FileRuleMatch.Path(rule, path, write, subject) is { } pattern)
            {
                matched = path;
                return pattern;
            }
        }

        return null;
    }

    private static string[] NormalizeAll(List<TextRange> ranges, EventSubject subject)
    {
        if (ranges.Count == 0)
        {
            return [];
        }

        var shell = subject.Shell!;
        var paths = ranges.ConvertAll(r => shell.Text.ToStringOrNull(r)!);
        if (shell.ChangedDirectories.Count == 0)
        {
            var result = new string[paths.Count];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = subject.NormalizePath(paths[i], subject.Cwd);
            }

            return result;
        }

        // After a cd, a relative target may be relative to any directory the command moved to (an over-approximation,
        // which is the safe side for deny and ask rules).
        var bases = new List<string> { subject.Cwd };
        foreach (var directory in shell.ChangedDirectories.ConvertAll(r => shell.Text.ToStringOrNull(r)!))
        {
            bases.Add(subject.NormalizePath(directory, bases[^1]));
            bases.Add(subject.NormalizePath(directory, subject.Cwd));
        }

        var all = new List<string>();
        foreach (var path in paths)
        {
            foreach (var baseDir in bases)
            {
                all.Add(subject.NormalizePath(path, baseDir));
            }
        }

        return all.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Non-Bash events (and everything but the command for Bash): one subject.</summary>
    private static string? MatchSingle(CompiledRule rule, EventSubject subject)
    {
        var broad = rule.Effect != Effect.Allow;
        foreach (var pattern in rule.Match)
        {
            var applies = pattern.AppliesTo(subject.MatchKey) || (broad && pattern.AppliesToUnknownMcpServer(subject.MatchKey));
            if (!applies || !SinglePatternMatches(pattern, subject, broad))
            {
                continue;
            }

            foreach (var exception in rule.Unless)
            {
                if (exception.AppliesTo(subject.MatchKey) && SinglePatternMatches(exception, subject, !broad))
                {
                    return null;
                }
            }

            return pattern.Text;
        }

        return null;
    }

    private static bool SinglePatternMatches(RulePattern pattern, EventSubject subject, bool broad) =>
        pattern.Kind switch
        {
            PatternKind.AnyUse => true,
            PatternKind.Path => subject.PathRange.HasValue && (pattern.Path!.IsMatch(subject.Text[subject.PathRange], subject.Frame(broad))
                || (subject.PathIsDirectory && DirectoryProbeMatches(pattern.Path, subject, broad))),
            PatternKind.Domain => subject.HostRange.HasValue && pattern.Host!.IsMatch(subject.Text[subject.HostRange]),
            PatternKind.Primary => subject.PrimaryRange.HasValue && pattern.Value!.IsMatch(subject.Text[subject.PrimaryRange]),
            PatternKind.Param => ParamMatches(pattern, subject),
            _ => false,
        };

    private static bool ParamMatches(RulePattern pattern, EventSubject subject)
    {
        var text = subject.Text;
        var mark = text.Length;
        var value = JsonText.Get(subject.Input.ToolInput, pattern.Param!, text);
        var matches = value.HasValue && pattern.Value!.IsMatch(text[value]);
        text.Truncate(mark);
        return matches;
    }

    // A name no literal pattern segment can equal: a pattern matching dir/<probe> covers every entry of dir.
    private static bool DirectoryProbeMatches(PathGlob glob, EventSubject subject, bool broad) =>
        FileArguments.FileRuleMatch.ProbeMatches(glob, subject.Text[subject.PathRange], subject, broad);

    /// <summary>An unparsable command: deny/ask Bash patterns are tried at every word start of the raw text.</summary>
    private static string? MatchRawCommand(CompiledRule rule, string raw)
    {
        var variants = RawVariants(raw);
        foreach (var pattern in rule.Match)
        {
            if (!pattern.AppliesTo(ToolNames.Bash))
            {
                continue;
            }

            if (pattern.Kind == PatternKind.AnyUse)
            {
                return pattern.Text;
            }

            if (pattern.Kind != PatternKind.Command)
            {
                continue;
            }

            foreach (var text in variants)
            {
                if (RawTextMatches(pattern.Command!, text))
                {
                    return pattern.Text;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Does the pattern match at some word start of the text? Only the first word start where its literal head occurs
    /// needs testing: the rest of the pattern ends in '*', so a later start (a suffix) cannot match if this one fails.
    /// That keeps raw matching linear even for adversarial 10,000-character commands.
    /// </summary>
    private static bool RawTextMatches(BashPattern pattern, string text)
    {
        var head = pattern.RawHead;
        if (head.Length == 0)
        {
            return pattern.IsPrefixMatch(text);
        }

        for (var from = 0; from <= text.Length - head.Length;)
        {
            var at = text.AsSpan(from).IndexOf(head, StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            at += from;
            if (at == 0 || IsRawBoundary(text[at - 1]))
            {
                return pattern.IsPrefixMatch(text.AsSpan(at));
            }

            from = at + 1;
        }

        return false;
    }

    private static bool IsRawBoundary(char c) => c is ' ' or ';' or '&' or '|' or '(' or ')' or '`' or '$' or '{' or '}' or '\'' or '"' or '/' or '\\' or '=';

    private static string[] RawVariants(string raw)
    {
        var collapsed = string.Join(' ', raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var unquoted = string.Join(' ', collapsed.Replace("\\", "", StringComparison.Ordinal).Replace("'", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal)
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return unquoted == collapsed ? [collapsed] : [collapsed, unquoted];
    }
}
