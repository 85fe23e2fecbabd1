namespace Hookline.Policy.Internal.Matching;

/// <summary>Up to four rules (by document order) that together allowed an event: the key of a cached allow decision.</summary>
internal readonly record struct RuleSet(int Count, int A, int B, int C, int D)
{
    private const int Capacity = 4;

    /// <summary>The key of these rules, or null when there are too many to cache.</summary>
    public static RuleSet? Of(List<CompiledRule> rules) => rules.Count switch
    {
        > Capacity => null,
        _ => new RuleSet(rules.Count, At(rules, 0), At(rules, 1), At(rules, 2), At(rules, 3)),
    };

    private static int At(List<CompiledRule> rules, int i) => i < rules.Count ? rules[i].Order : -1;
}
