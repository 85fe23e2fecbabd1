using System.Text;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// The overview's counts from the per-minute rollups (<see cref="RollupSchema"/>): three grouped reads of the range's
/// rows through each table's primary key (minute first), whatever the number of events behind them.
/// </summary>
internal abstract partial class AuditReader
{
    public async Task<OverviewCounts> OverviewFromRollupsAsync(OverviewRange range, string? org, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        var where = new StringBuilder();
        Add(command, "from", range.From.ToUnixTimeMilliseconds());
        Add(command, "to", range.To.ToUnixTimeMilliseconds());
        Equal(command, where, "org", "org", org);
        var (decisions, latency, tops) = RollupQueries(where.ToString());

        var builder = new OverviewBuilder(range);
        command.CommandText = decisions;
        foreach (var (minute, verdict, source, count) in await ReadAllAsync(command,
            r => (r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3)), cancellation).ConfigureAwait(false))
        {
            builder.AddDecisions(minute, verdict, source, count);
        }
        command.CommandText = latency;
        foreach (var (source, bucket, count) in await ReadAllAsync(command,
            r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2)), cancellation).ConfigureAwait(false))
        {
            builder.AddLatency(source, bucket == RollupSchema.Unmeasured ? null : (int)bucket, count);
        }
        command.CommandText = tops;
        foreach (var (kind, item, verdict, count) in await ReadAllAsync(command,
            r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3)), cancellation).ConfigureAwait(false))
        {
            builder.AddTop(kind, item, verdict, count);
        }
        return builder.Build(await UngovernedAsync(connection, range, org, cancellation).ConfigureAwait(false));
    }

    /// <summary>The three reads over @from..@to, <paramref name="more"/> added to their condition (" AND org = @org").</summary>
    internal static (string Decisions, string Latency, string Tops) RollupQueries(string more)
    {
        var where = $"minute_ms >= @from AND minute_ms < @to{more}";
        return ($"SELECT minute_ms, verdict, source, CAST(SUM(n) AS BIGINT) FROM rollup_decisions WHERE {where} GROUP BY minute_ms, verdict, source;",
            $"SELECT source, bucket, CAST(SUM(n) AS BIGINT) FROM rollup_latency WHERE {where} GROUP BY source, bucket;",
            $"SELECT kind, item, verdict, CAST(SUM(n) AS BIGINT) FROM rollup_tops WHERE {where} GROUP BY kind, item, verdict;");
    }
}
