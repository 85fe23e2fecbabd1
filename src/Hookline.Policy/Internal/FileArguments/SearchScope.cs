using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// Search and multi-file tools read more than the one path a rule sees: Grep and Glob read below their root, a Grep
/// file filter or a Glob pattern picks names anywhere below it, and Gemini's read_many_files takes globs. When what
/// they could read overlaps a path a deny or ask rule protects, the answer is at least ask, never allow.
/// </summary>
internal static class SearchScope
{
    public static PolicyDecision? Uncertain(CompiledPolicy policy, EventSubject subject, EvaluationContext context, List<RuleHit>? trace)
    {
        var tool = subject.Tool;
        var search = tool is ToolNames.Grep or ToolNames.Glob;
        if (!subject.PathRange.HasValue || !(search || (tool == ToolNames.Read && subject.Text[subject.PathRange].IndexOfAny("*?[") >= 0)))
        {
            return null;
        }

        // Every rule of the tool: the indexed candidates leave out rules below the root, which a search reaches.
        foreach (var rule in policy.CandidatesFor(tool, subject.Input.HookEvent ?? ""))
        {
            if (rule.Effect == Effect.Allow || !Evaluator.Preconditions(rule, context))
            {
                continue;
            }

            foreach (var pattern in rule.Match)
            {
                if (pattern.Kind != PatternKind.Path || !pattern.AppliesTo(tool))
                {
                    continue;
                }

                if (Reaches(pattern.Path!, subject, search) is { } why)
                {
                    var path = subject.Text.ToStringOrNull(subject.SearchGlobRange.HasValue ? subject.SearchGlobRange : subject.PathRange)!;
                    trace?.Add(new RuleHit(rule, pattern.Text, path, true));
                    return FileArgumentRules.Protected(policy, rule, pattern.Text, path, why);
                }
            }
        }

        return null;
    }

    private static string? Reaches(PathGlob pattern, EventSubject subject, bool search)
    {
        var text = subject.Text;
        if (!search)
        {
            return pattern.CouldOverlap(text[subject.PathRange], subject.Frame(broad: true)) ? "a glob may expand to" : null;
        }

        if (subject.SearchGlobRange.HasValue && pattern.CouldOverlap(text[subject.SearchGlobRange], subject.Frame(broad: true)))
        {
            return "the search may read";
        }

        if (!pattern.NamesDirectoryContent || subject.Tool == ToolNames.Glob)
        {
            return null; // a file name (**/.env, ./.env): only a filter aimed at it counts (see the docs' limits)
        }

        var mark = text.Length;
        text.Append(text[subject.PathRange]);
        text.Append("/**");
        var reaches = pattern.CouldOverlap(text[text.From(mark)], subject.Frame(broad: true));
        text.Truncate(mark);
        return reaches ? "the search reaches into" : null;
    }
}
