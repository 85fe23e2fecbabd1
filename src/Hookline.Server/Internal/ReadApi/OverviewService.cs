using Hookline.Server.Internal.Approvals;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.ReadApi;

/// <summary>
/// The overview of <c>/api/overview</c> and <c>/ui/overview</c>: the store's counts for a range, the policy in force's
/// rules that never fired in it, and the approvals waiting now, all limited to the caller's org.
/// </summary>
internal sealed class OverviewService(IAuditReader queries, PolicyHolder policy, IApprovalDesk? desk, TimeProvider time)
{
    /// <summary>The ranges offered by name, shortest first; the default is <see cref="DefaultRange"/>.</summary>
    public static readonly (string Name, TimeSpan Span)[] Ranges =
        [("1h", TimeSpan.FromHours(1)), ("24h", TimeSpan.FromDays(1)), ("7d", TimeSpan.FromDays(7)), ("30d", TimeSpan.FromDays(30))];

    public const string DefaultRange = "24h";

    public static OverviewService Of(IServiceProvider services) => new(
        services.GetRequiredService<IAuditReader>(), services.GetRequiredService<PolicyHolder>(),
        services.GetService<IApprovalDesk>(), services.GetRequiredService<TimeProvider>());

    /// <summary>
    /// <c>range=1h|24h|7d|30d</c> (default 24h, ending now) or <c>since=</c> with an optional <c>until=</c> (default
    /// now), in the time syntax of the event filter (ISO 8601 or an age such as 15m). Throws <see cref="FormatException"/>.
    /// </summary>
    public OverviewRange RangeOf(Func<string, string?> get)
    {
        var now = time.GetUtcNow();
        var named = get("range");
        var custom = EventFilter.Parse(name => name is "since" or "until" ? get(name) : null, time);
        if (custom.Since is not null || custom.Until is not null)
        {
            if (!string.IsNullOrWhiteSpace(named))
            {
                throw new FormatException("give either range or since/until, not both");
            }
            return OverviewRange.Of(custom.Since ?? throw new FormatException("since: a custom range needs its start"), custom.Until ?? now);
        }
        var name = string.IsNullOrWhiteSpace(named) ? DefaultRange : named.Trim();
        foreach (var (known, span) in Ranges)
        {
            if (known == name)
            {
                return OverviewRange.Of(now - span, now);
            }
        }
        throw new FormatException($"range: expected one of {string.Join(", ", Ranges.Select(r => r.Name))}, or since and until; got '{name}'");
    }

    public async Task<OverviewView> ReadAsync(OverviewRange range, string? org, CancellationToken cancellation)
    {
        var current = policy.Current;
        var counts = await queries.OverviewAsync(range, org, cancellation).ConfigureAwait(false);
        var pending = desk is null ? 0 : await desk.CountPendingAsync(org, cancellation).ConfigureAwait(false);
        var neverFired = current.Policy.Document.Rules.Select(r => r.Id).Where(id => !counts.RulesFired.Contains(id)).ToList();
        return new OverviewView(range.From, range.To, range.BucketSeconds, (long)current.Epoch, counts.Totals, counts.Timeline,
            counts.Latency, counts.TopRules, counts.TopUsers, counts.TopAgents, counts.TopTools, neverFired, counts.Ungoverned, pending);
    }
}
