using Hookline.Policy.Internal.Matching;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Advice for Bash patterns that span several commands. Deny and ask patterns with a single '|' match the text of
/// each pipeline (its commands after wrappers are stripped, joined by " | "); every other multi-command pattern never
/// matches, because each sub-command is matched on its own.
/// </summary>
internal static class PipePatternWarnings
{
    public static List<(CompiledRule Rule, string Message)> For(IEnumerable<CompiledRule> rules)
    {
        var warnings = new List<(CompiledRule Rule, string Message)>();
        foreach (var rule in rules)
        {
            foreach (var pattern in rule.Match)
            {
                if (pattern.Kind != PatternKind.Command)
                {
                    continue;
                }

                var text = pattern.Text;
                var unquoted = Unquoted(text);
                if (unquoted.Contains("&&", StringComparison.Ordinal) || unquoted.Contains("||", StringComparison.Ordinal) || unquoted.Contains(';'))
                {
                    warnings.Add((rule, $"rule {rule.Id}: {text} never matches: commands joined by &&, || or ; are matched one by one; write one pattern per command"));
                }
                else if (unquoted.Contains('|') && rule.Effect == Effect.Allow)
                {
                    warnings.Add((rule, $"rule {rule.Id}: {text} never matches: an allow rule covers each command of a pipeline on its own (patterns with '|' match whole pipelines in deny and ask rules only); allow each command instead"));
                }
            }
        }

        return warnings;
    }

    /// <summary>The pattern's text with quoted parts blanked: a ';' or '|' inside quotes is part of one argument.</summary>
    private static string Unquoted(string text)
    {
        var chars = text.ToCharArray();
        var quote = '\0';
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (quote == '\0' && c == '\\' && i + 1 < chars.Length)
            {
                chars[++i] = ' ';
            }
            else if (quote == '\0' && c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }
            else if (quote != '\0')
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }
}
