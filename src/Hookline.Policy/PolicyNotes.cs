using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Words;

namespace Hookline.Policy;

/// <summary>
/// Advice on a valid policy: patterns that mean something an author may not expect. <c>hookline policy check</c>
/// prints them after the summary; they never make a policy invalid.
/// </summary>
public static class PolicyNotes
{
    /// <summary>
    /// Everything <c>policy check</c> says about a compiled policy: the document's notes, where option-aware rules keep
    /// their textual meaning ("note: "), multi-command patterns that can never match ("warning: "), and approvals that
    /// would not do what they seem to (an <c>on_timeout: ask</c> reaching an agent without a prompt, ...).
    /// </summary>
    public static IReadOnlyList<PolicyError> Of(CompiledPolicy policy, string source = "<policy>")
    {
        ArgumentNullException.ThrowIfNull(policy);
        var notes = new List<PolicyError>(Of(policy.Document, source));
        foreach (var (rule, message) in Internal.Options.OptionNotes.For(policy.Rules))
        {
            notes.Add(new PolicyError(source, rule.Rule.Line, rule.Rule.Column, "note: " + message));
        }

        foreach (var (rule, message) in Internal.Runners.PipePatternWarnings.For(policy.Rules))
        {
            notes.Add(new PolicyError(source, rule.Rule.Line, rule.Rule.Column, "warning: " + message));
        }

        notes.AddRange(Internal.Approvals.ApprovalNotes.For(policy.Document, source));
        return notes;
    }

    /// <summary>The notes for every rule, in document order; each message starts with "note: ".</summary>
    public static IReadOnlyList<PolicyError> Of(PolicyDocument document, string source = "<policy>")
    {
        var notes = new List<PolicyError>();
        foreach (var rule in document.Rules)
        {
            foreach (var pattern in rule.MatchPatterns)
            {
                if (pattern.Command is { HasInnerAnyWords: true })
                {
                    notes.Add(new PolicyError(source, rule.Line, rule.Column, rule.Effect == Effect.Allow
                        ? $"note: rule {rule.Id}: in an allow rule the inner ' * ' of '{pattern.Text}' needs at least one word (in deny and ask rules it also matches none)"
                        : $"note: rule {rule.Id}: in a {rule.Effect.ToString().ToLowerInvariant()} rule the inner ' * ' of '{pattern.Text}' also matches no word at all (in allow rules it needs one)"));
                }
            }

            foreach (var exception in rule.UnlessPatterns)
            {
                if (exception.Command is { } command && command.Core.Contains('*'))
                {
                    var head = command.LiteralHead.Replace(WordText.Separator, ' ');
                    notes.Add(new PolicyError(source, rule.Line, rule.Column,
                        $"note: rule {rule.Id}: the '*' in unless '{exception.Text}' could span several words; it excuses one argument at a time " +
                        $"('{(head.Length > 0 ? head + " " : "")}ARG' for each ARG), so an argument it does not match is still checked"));
                }
            }
        }

        return notes;
    }
}
