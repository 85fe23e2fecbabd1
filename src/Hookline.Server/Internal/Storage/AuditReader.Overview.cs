using System.Data.Common;
using System.Text;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// The overview's counts, straight from the events table: grouped scans over the range. This is the reference the
/// rollups are checked against; it reads every event of the range, so the page uses the rollups.
/// </summary>
internal abstract partial class AuditReader
{
    /// <summary>The overview from the per-minute rollups (<see cref="OverviewFromRollupsAsync"/>), equal to the events' counts.</summary>
    public virtual Task<OverviewCounts> OverviewAsync(OverviewRange range, string? org, CancellationToken cancellation = default)
        => OverviewFromRollupsAsync(range, org, cancellation);

    public async Task<OverviewCounts> OverviewFromEventsAsync(OverviewRange range, string? org, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        var where = new StringBuilder("e.applied_verdict IS NOT NULL AND e.event_time_ms >= @from AND e.event_time_ms < @to");
        Add(command, "from", range.From.ToUnixTimeMilliseconds());
        Add(command, "to", range.To.ToUnixTimeMilliseconds());
        Equal(command, where, "e.org", "org", org);

        var builder = new OverviewBuilder(range);
        command.CommandText = $"SELECT e.event_time_ms, e.applied_verdict, e.applied_source, COALESCE(e.applied_latency_us, e.reported_latency_us) FROM events e WHERE {where};";
        foreach (var (timeMs, verdict, source, latency) in await ReadAllAsync(command,
            r => (r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? (long?)null : r.GetInt64(3)), cancellation).ConfigureAwait(false))
        {
            builder.AddDecisions(timeMs, verdict, source, 1);
            builder.AddLatency(source, latency is { } us ? OverviewLatency.BucketOf(us) : null, 1);
        }
        foreach (var (kind, column) in new[] { ("agent", "e.agent"), ("tool", "e.tool_name"), ("user", UserOf), ("rule", "COALESCE(e.applied_rule_ids, '')") })
        {
            command.CommandText = $"SELECT {column}, e.applied_verdict, COUNT(*) FROM events e WHERE {where} GROUP BY {column}, e.applied_verdict;";
            foreach (var (key, verdict, count) in await ReadAllAsync(command, r => (r.GetString(0), r.GetString(1), r.GetInt64(2)), cancellation).ConfigureAwait(false))
            {
                if (kind == "rule")
                {
                    foreach (var id in RollupSchema.CountedRuleIds(key))
                    {
                        builder.AddTop(kind, id, verdict, count);
                    }
                }
                else
                {
                    builder.AddTop(kind, key, verdict, count);
                }
            }
        }
        return builder.Build(await UngovernedAsync(connection, range, org, cancellation).ConfigureAwait(false));
    }

    /// <summary>The user an event is counted under: its session's, as the live view's <c>user</c> filter matches.</summary>
    private const string UserOf = "COALESCE((SELECT s.user_name FROM sessions s WHERE s.session_id = e.session_id), '')";

    private async Task<Dictionary<string, long>> UngovernedAsync(DbConnection connection, OverviewRange range, string? org, CancellationToken cancellation)
    {
        using var command = connection.CreateCommand();
        var where = new StringBuilder("t.cause IS NOT NULL AND COALESCE(t.ran_at_ms, t.pre_at_ms) >= @from AND COALESCE(t.ran_at_ms, t.pre_at_ms) < @to");
        Add(command, "from", range.From.ToUnixTimeMilliseconds());
        Add(command, "to", range.To.ToUnixTimeMilliseconds());
        Equal(command, where, "s.org", "org", org);
        command.CommandText = $"""
            SELECT t.cause, COUNT(*) FROM tool_calls t JOIN sessions s ON s.session_id = t.session_id
            WHERE {where} GROUP BY t.cause;
            """;
        var causes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (cause, count) in await ReadAllAsync(command, r => (r.GetString(0), r.GetInt64(1)), cancellation).ConfigureAwait(false))
        {
            causes[cause] = count;
        }
        return causes;
    }
}
