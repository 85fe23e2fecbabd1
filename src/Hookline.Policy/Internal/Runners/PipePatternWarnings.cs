namespace Hookline.Policy.Internal;

/// <summary>
/// Advice for Bash patterns that span several commands. Deny and ask patterns with a single '|' match the text of
/// each pipeline (its commands after wrappers are stripped, joined by " | "); every other multi-command pattern never
/// matches, because each sub-command is matched on its own.
/// </summary>
internal static class PipePatternWarnings
{
    public static List<string> For(IEnumerable<CompiledRule> rules)
    {
        var warnings = new List<string>();
        foreach (var rule in rules)
        {
            foreach (var pattern in rule.Match)
            {
                if (pattern.Kind != PatternKind.Command)
                {
                    continue;
                }

                var text = pattern.Text;
                if (text.Contains("&&", StringComparison.Ordinal) || text.Contains("||", StringComparison.Ordinal) || text.Contains(';'))
                {
                    warnings.Add($"rule {rule.Id}: {text} never matches: commands joined by &&, || or ; are matched one by one; write one pattern per command");
                }
                else if (pattern.Command!.HasPipe && rule.Effect == Effect.Allow)
                {
                    warnings.Add($"rule {rule.Id}: {text} never matches: an allow rule covers each command of a pipeline on its own (patterns with '|' match whole pipelines in deny and ask rules only); allow each command instead");
                }
            }
        }

        return warnings;
    }
}
