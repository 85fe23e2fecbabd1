using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Shell;
using Hookline.Policy.Internal.Paths;

namespace Hookline.Policy.Internal.Matching;

/// <summary>
/// Paths whose real target a static reader cannot know (another process's <c>/proc/PID/root</c>, an open descriptor
/// <c>/dev/fd/N</c>, a home nobody reported): where a file rule could apply, they are asked about, never allowed.
/// </summary>
internal static partial class Evaluator
{
    /// <summary>A file tool's path that is opaque, when a deny or ask file rule exists for the tool; else null.</summary>
    private static PolicyDecision? OpaquePathDecision(CompiledPolicy policy, EventSubject subject, EvaluationContext context)
    {
        if (!subject.PathRange.HasValue || !PathNormalizer.IsOpaque(subject.Text[subject.PathRange]))
        {
            return null;
        }

        // Every rule of the tool, not the path-indexed candidates: an opaque path may stand for any path.
        foreach (var rule in policy.CandidatesFor(subject.Tool, subject.Input.HookEvent))
        {
            if (rule.Effect != Effect.Allow && HasPathPattern(rule, subject.MatchKey) && Preconditions(rule, context))
            {
                return Opaque(policy, subject.Path!);
            }
        }

        return null;
    }

    /// <summary>A Bash redirect target that is opaque, when file rules apply; else null. Allocation-free when none is.</summary>
    private static PolicyDecision? OpaqueTargetDecision(CompiledPolicy policy, EventSubject subject, ShellScan shell, ReadOnlySpan<CompiledRule> candidates, EvaluationContext context)
    {
        if (shell.WriteTargets.Count + shell.ReadTargets.Count == 0)
        {
            return null;
        }

        var opaque = FirstOpaque(subject, shell, shell.WriteTargets) ?? FirstOpaque(subject, shell, shell.ReadTargets);
        return opaque is not null && HasApplicableFileRule(candidates, context) ? Opaque(policy, opaque) : null;
    }

    private static string? FirstOpaque(EventSubject subject, ShellScan shell, List<TextRange> targets)
    {
        var text = subject.Text;
        foreach (var target in targets)
        {
            var mark = text.Length;
            var normalized = PathNormalizer.NormalizeInto(shell.Text[target], subject.Cwd, subject.Home, subject.Input.UserHomes, text);
            var isOpaque = PathNormalizer.IsOpaque(text[normalized]);
            var path = isOpaque ? new string(text[normalized]) : null;
            text.Truncate(mark);
            if (path is not null)
            {
                return path;
            }
        }

        return null;
    }

    private static bool HasPathPattern(CompiledRule rule, string tool)
    {
        foreach (var pattern in rule.Match)
        {
            if (pattern.Kind == PatternKind.Path && pattern.AppliesTo(tool))
            {
                return true;
            }
        }

        return false;
    }

    private static PolicyDecision Opaque(CompiledPolicy policy, string path)
    {
        var effect = policy.Document.Default == Effect.Deny ? Effect.Deny : Effect.Ask;
        return new PolicyDecision(effect, false, $"the real target of {path} cannot be known before it runs, and file rules apply", ReasonCodes.OpaquePath, [], path);
    }
}
