using Hookline.Policy.Internal.Matching;

namespace Hookline.Policy.Internal.Options;

/// <summary>What <c>policy check</c> says about option-aware patterns: where a rule keeps its textual meaning.</summary>
internal static class OptionNotes
{
    public static List<(CompiledRule Rule, string Message)> For(CompiledRule[] rules)
    {
        var notes = new List<(CompiledRule Rule, string Message)>();
        foreach (var rule in rules)
        {
            var effect = rule.Effect.ToString().ToLowerInvariant();
            if (rule.Effect == Effect.Allow)
            {
                foreach (var pattern in rule.Match)
                {
                    if (pattern.Options is not null)
                    {
                        notes.Add((rule, $"rule '{rule.Id}' ({effect}): {pattern.Text} is compared as written; allow rules do not read options, so it allows no other spelling"));
                    }
                }

                continue;
            }

            foreach (var exception in rule.Unless)
            {
                if (exception.Options is not null)
                {
                    notes.Add((rule, $"rule '{rule.Id}' ({effect}): unless {exception.Text} excuses only that spelling; other spellings of its options still match the rule"));
                }
            }
        }

        return notes;
    }
}
