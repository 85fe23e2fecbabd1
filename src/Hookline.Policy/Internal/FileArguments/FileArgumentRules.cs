using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// File rules applied to the files a Bash command names in its arguments:
/// a known read or write gets the rule's own effect (<see cref="MatchKnown"/>); a protected path the engine cannot be
/// sure about (a glob that could expand to it, a word of an unknown command, a search rooted above it) gets at least
/// ask (<see cref="Uncertain"/>); and an allow rule allows only when the files the command writes (and reads, where the
/// policy has Read allow rules) are allowed too (<see cref="WithheldAllow"/>).
/// </summary>
internal static class FileArgumentRules
{
    /// <summary>For a deny or ask rule: the pattern matching a file a known command reads, writes or searches.</summary>
    public static string? MatchKnown(CompiledRule rule, EventSubject subject, out string? matched)
    {
        matched = null;
        var items = subject.FileArguments.Items;
        var text = subject.Text;
        foreach (var argument in items)
        {
            if (argument.IsGlob || argument.Use is FileUse.Mention or FileUse.SearchFilter)
            {
                continue;
            }

            var path = text[argument.Path];
            var hit = argument.Use switch
            {
                FileUse.Write => FileRuleMatch.Path(rule, path, write: true, subject),
                FileUse.ReadWrite => FileRuleMatch.Path(rule, path, write: false, subject) ?? FileRuleMatch.Path(rule, path, write: true, subject),
                FileUse.Search => FileRuleMatch.Path(rule, path, write: false, subject) ?? FileRuleMatch.Directory(rule, path, subject),
                _ => FileRuleMatch.Path(rule, path, write: false, subject),
            };
            if (hit is not null)
            {
                matched = new string(path);
                return hit;
            }
        }

        return null;
    }

    /// <summary>At least ask when a deny or ask file rule could cover a file the command touches in a way the engine cannot see.</summary>
    public static PolicyDecision? Uncertain(CompiledPolicy policy, ReadOnlySpan<CompiledRule> candidates, EvaluationContext context, EventSubject subject, List<RuleHit>? trace)
    {
        var items = subject.FileArguments.Items;
        if (items.Count == 0)
        {
            return null;
        }

        foreach (var rule in candidates)
        {
            if (rule.Effect == Effect.Allow || !rule.HasFileAccessPatterns || !Evaluator.Preconditions(rule, context))
            {
                continue;
            }

            foreach (var argument in items)
            {
                if (UncertainHit(rule, argument, subject, out var why) is not { } pattern)
                {
                    continue;
                }

                var path = subject.Text.ToStringOrNull(argument.Path)!;
                trace?.Add(new RuleHit(rule, pattern, path, true));
                return Protected(policy, rule, pattern, path, why);
            }
        }

        return null;
    }

    /// <summary>At least ask (deny where that is the default anyway): a protected path may be read, and the engine cannot be sure.</summary>
    public static PolicyDecision Protected(CompiledPolicy policy, CompiledRule rule, string pattern, string path, string why)
    {
        var effect = policy.Document.Default == Effect.Deny ? Effect.Deny : Effect.Ask;
        return new PolicyDecision(effect, false, $"{why} '{path}', which rule {rule.Id} protects ({pattern}): {rule.Reason}", ReasonCodes.ProtectedArgument, [rule.Id], path);
    }

    private static string? UncertainHit(CompiledRule rule, FileArgument argument, EventSubject subject, out string why)
    {
        var path = subject.Text[argument.Path];
        if (argument.IsGlob)
        {
            why = argument.Use == FileUse.SearchFilter ? "the search may read" : "a glob may expand to";
            return Overlapping(rule, path, argument.Use, subject);
        }

        switch (argument.Use)
        {
            case FileUse.Mention:
                why = "a command Hookline does not know names";
                return FileRuleMatch.Path(rule, path, write: false, subject) ?? FileRuleMatch.Path(rule, path, write: true, subject)
                    ?? FileRuleMatch.Directory(rule, path, subject); // a protected directory, mounted or archived whole
            case FileUse.Search:
                // A search rooted above a protected directory reads into it ("grep -r KEY ~" and "Read(~/.ssh/**)").
                why = "the search reaches into";
                var text = subject.Text;
                var mark = text.Length;
                text.Append(path);
                text.Append("/**");
                var below = text[text.From(mark)];
                string? hit = null;
                foreach (var pattern in rule.Match)
                {
                    if (pattern.CoversFileAccess(write: false) && pattern.Path!.NamesDirectoryContent && pattern.Path.CouldOverlap(below, subject.Frame(broad: true)))
                    {
                        hit = pattern.Text;
                        break;
                    }
                }

                text.Truncate(mark);
                return hit;
            default:
                why = "";
                return null;
        }
    }

    private static string? Overlapping(CompiledRule rule, ReadOnlySpan<char> glob, FileUse use, EventSubject subject)
    {
        foreach (var pattern in rule.Match)
        {
            var relevant = use switch
            {
                FileUse.Write => pattern.CoversFileAccess(write: true),
                FileUse.ReadWrite or FileUse.Mention => pattern.CoversFileAccess(write: true) || pattern.CoversFileAccess(write: false),
                _ => pattern.CoversFileAccess(write: false),
            };
            if (relevant && pattern.Path!.CouldOverlap(glob, subject.Frame(broad: true)))
            {
                return pattern.Text;
            }
        }

        return null;
    }

    /// <summary>
    /// Null when the allow rules cover every file the command writes (and reads, where the policy has Read allow
    /// rules); otherwise the no-answer decision that says which file or option they do not cover.
    /// </summary>
    public static PolicyDecision? WithheldAllow(CompiledPolicy policy, ReadOnlySpan<CompiledRule> candidates, EvaluationContext context, EventSubject subject)
    {
        var arguments = subject.FileArguments;
        if (arguments.Unseen.HasValue)
        {
            var word = subject.Text.ToStringOrNull(arguments.Unseen)!;
            return Withheld(policy, $"an allow rule does not cover '{word}': {arguments.UnseenWhy}", word);
        }

        if (arguments.Items.Count == 0)
        {
            return null;
        }

        var readAllowRules = HasAllowRule(candidates, context, write: false);
        foreach (var argument in arguments.Items)
        {
            if (argument.IsPart || argument.Use is FileUse.RepoRead or FileUse.Mention or FileUse.SearchFilter)
            {
                continue;
            }

            var path = subject.Text[argument.Path];
            var writes = argument.Use is FileUse.Write or FileUse.ReadWrite;
            var reads = readAllowRules && argument.Use is FileUse.Read or FileUse.ReadWrite or FileUse.Search;
            if ((writes && !Covered(candidates, context, subject, path, write: true, argument))
                || (reads && !Covered(candidates, context, subject, path, write: false, argument)))
            {
                var what = new string(path);
                return Withheld(policy, $"no allow rule covers {(writes ? "writing" : "reading")} '{what}'", what);
            }
        }

        return null;
    }

    private static PolicyDecision Withheld(CompiledPolicy policy, string reason, string matched) =>
        new(policy.DefaultDecision.Effect, true, reason + $"; the policy default ({policy.Document.Default.ToString().ToLowerInvariant()}) applies", ReasonCodes.AllowIncomplete, [], matched);

    private static bool Covered(ReadOnlySpan<CompiledRule> candidates, EvaluationContext context, EventSubject subject, ReadOnlySpan<char> path, bool write, FileArgument argument)
    {
        if (path is "/dev/null" or "/dev/stdout" or "/dev/stderr" or "/dev/stdin" or "/dev/tty" or "/dev/fd/0" or "/dev/fd/1" or "/dev/fd/2")
        {
            return true;
        }

        var directory = argument.Use == FileUse.Search;
        if (argument.IsGlob)
        {
            if (write)
            {
                return false; // which files a glob names as a destination is only known at run time
            }

            // Every expansion lies below the glob's literal directory.
            var wildcard = path.IndexOfAny("*?[");
            path = path[..Math.Max(path[..wildcard].LastIndexOf('/'), 1)];
            directory = true;
        }

        foreach (var rule in candidates)
        {
            if (rule.Effect != Effect.Allow || !rule.HasFileAccessPatterns || !Evaluator.Preconditions(rule, context))
            {
                continue;
            }

            if ((directory ? FileRuleMatch.Directory(rule, path, subject) : FileRuleMatch.Path(rule, path, write, subject)) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAllowRule(ReadOnlySpan<CompiledRule> candidates, EvaluationContext context, bool write)
    {
        foreach (var rule in candidates)
        {
            if (rule.Effect != Effect.Allow || !rule.HasFileAccessPatterns || !Evaluator.Preconditions(rule, context))
            {
                continue;
            }

            foreach (var pattern in rule.Match)
            {
                if (pattern.CoversFileAccess(write))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
