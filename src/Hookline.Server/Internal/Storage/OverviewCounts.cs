namespace Hookline.Server.Internal.Storage;

/// <summary>
/// What the store counts for an overview over <see cref="OverviewRange"/> (org-limited when asked): everything but
/// what the policy in force and the approvals desk add (never-fired rules, pending approvals).
/// </summary>
/// <param name="RulesFired">Every rule id that decided an event in the range, for the never-fired list.</param>
/// <param name="Ungoverned">Tool calls seen to run ungoverned in the range (by the time they ran), by cause.</param>
internal sealed record OverviewCounts(
    OverviewTotals Totals, IReadOnlyList<OverviewBucket> Timeline, IReadOnlyList<LatencySeries> Latency,
    IReadOnlyList<TopEntry> TopRules, IReadOnlyList<TopEntry> TopUsers, IReadOnlyList<TopEntry> TopAgents,
    IReadOnlyList<TopEntry> TopTools, IReadOnlySet<string> RulesFired, IReadOnlyDictionary<string, long> Ungoverned)
{
    public const int TopCount = 10;
}
