using Hookline.Policy.Internal.Matching;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>One path against a rule's file patterns (Read, or Edit/Write), with its <c>unless</c> exceptions.</summary>
internal static class FileRuleMatch
{
    /// <summary>The text of the first pattern that covers reading (or writing) the path and is not excused; else null.</summary>
    public static string? Path(CompiledRule rule, ReadOnlySpan<char> path, bool write, EventSubject subject)
    {
        // Where a fact is unknown (no home), deny and ask read broadly and allow narrowly; their exceptions the other way.
        var frame = subject.Frame(broad: rule.Effect != Effect.Allow);
        var exceptionFrame = subject.Frame(broad: rule.Effect == Effect.Allow);
        foreach (var pattern in rule.Match)
        {
            if (!pattern.CoversFileAccess(write) || !pattern.Path!.IsMatch(path, frame))
            {
                continue;
            }

            var excluded = false;
            foreach (var exception in rule.Unless)
            {
                excluded |= exception.CoversFileAccess(write) && exception.Path!.IsMatch(path, exceptionFrame);
            }

            if (!excluded)
            {
                return pattern.Text;
            }
        }

        return null;
    }

    /// <summary>The first Read pattern that covers everything inside the directory (a search of it); else null.</summary>
    public static string? Directory(CompiledRule rule, ReadOnlySpan<char> directory, EventSubject subject)
    {
        foreach (var pattern in rule.Match)
        {
            if (pattern.CoversFileAccess(write: false) && ProbeMatches(pattern.Path!, directory, subject, broad: rule.Effect != Effect.Allow))
            {
                return pattern.Text;
            }
        }

        return null;
    }

    // A name no literal pattern segment can equal: a pattern matching dir/<probe> covers every entry of dir.
    public static bool ProbeMatches(PathGlob glob, ReadOnlySpan<char> directory, EventSubject subject, bool broad)
    {
        var text = subject.Text;
        var mark = text.Length;
        text.Append(directory is "/" ? "" : directory);
        text.Append("/\u0001");
        var matches = glob.IsMatch(text[text.From(mark)], subject.Frame(broad));
        text.Truncate(mark);
        return matches;
    }
}
