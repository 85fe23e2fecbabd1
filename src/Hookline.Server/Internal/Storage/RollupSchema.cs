using System.Globalization;
using System.Text;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// The per-minute rollups behind the overview (SQLite step 11, PostgreSQL step 15), and the backfill of the events
/// stored before them. Every key starts with the minute, so a range reads only its own rows through the primary key.
/// The step may run again (a database taken back to an earlier version): it makes the tables anew and counts everything afresh.
/// </summary>
/// <remarks>
/// rollup_decisions: decided events by minute × org × applied verdict × applied source. rollup_tops: by minute × org ×
/// kind (rule, user, agent, tool) × item × verdict, one row per distinct rule id of the first <see cref="MaxCountedRuleIds"/> entries of a comma-joined list. rollup_latency: by
/// minute × org × source × <see cref="OverviewLatency"/> bucket, <see cref="Unmeasured"/> for no latency.
/// Every key ends with a <c>shard</c>, the writer's (<see cref="Shards"/>): writers of one minute and org (replicas of one
/// PostgreSQL) upsert rows of their own and never wait on each other's row locks. A reader sums over the shards; a
/// writer subtracting what another shard counted takes its own row below zero (the sum stays right). The backfill
/// counts in shard 0.
/// </remarks>
internal static class RollupSchema
{
    /// <summary>The latency bucket of a decision without a latency.</summary>
    public const long Unmeasured = -1;

    public const long MinuteMs = 60_000;

    /// <summary>How many shards writers choose from: a range reads at most this many rows per key.</summary>
    public const int Shards = 16;

    /// <summary>
    /// How many entries of an event's comma-joined applied_rule_ids the tops count, each distinct id once: the list
    /// comes from the sidecar on a replay, so without a bound one event could write any number of rows. Entries past
    /// it are not counted.
    /// </summary>
    public const int MaxCountedRuleIds = 32;

    /// <summary>The rule ids of an event the tops count: its first <see cref="MaxCountedRuleIds"/> entries, empty ones left out, each distinct id once.</summary>
    public static IEnumerable<string> CountedRuleIds(string? joined) => string.IsNullOrEmpty(joined) ? []
        : joined.Split(',', MaxCountedRuleIds + 1).Take(MaxCountedRuleIds).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal);

    /// <summary>The minute an event is counted in (floored, also before 1970).</summary>
    public static long MinuteOf(long timeMs) => timeMs - (((timeMs % MinuteMs) + MinuteMs) % MinuteMs);

    /// <param name="bigint">The backend's 64-bit integer type.</param>
    /// <param name="tableOptions">What follows a table's definition (SQLite: WITHOUT ROWID, so rows live in key order).</param>
    /// <param name="ruleIds">A query of (event_id, rule_id): one row per <see cref="CountedRuleIds"/> of each decided event's applied_rule_ids.</param>
    public static string Step(string bigint, string tableOptions, string ruleIds) => $"""
        DROP TABLE IF EXISTS rollup_decisions;
        CREATE TABLE rollup_decisions (
            minute_ms {bigint} NOT NULL, org TEXT NOT NULL, verdict TEXT NOT NULL, source TEXT NOT NULL, shard {bigint} NOT NULL, n {bigint} NOT NULL,
            PRIMARY KEY (minute_ms, org, verdict, source, shard)){tableOptions};
        DROP TABLE IF EXISTS rollup_tops;
        CREATE TABLE rollup_tops (
            minute_ms {bigint} NOT NULL, org TEXT NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL, verdict TEXT NOT NULL, shard {bigint} NOT NULL,
            n {bigint} NOT NULL, PRIMARY KEY (minute_ms, org, kind, item, verdict, shard)){tableOptions};
        DROP TABLE IF EXISTS rollup_latency;
        CREATE TABLE rollup_latency (
            minute_ms {bigint} NOT NULL, org TEXT NOT NULL, source TEXT NOT NULL, bucket {bigint} NOT NULL, shard {bigint} NOT NULL, n {bigint} NOT NULL,
            PRIMARY KEY (minute_ms, org, source, bucket, shard)){tableOptions};
        CREATE TEMPORARY TABLE rollup_counted AS
            SELECT e.event_id, e.event_time_ms - (((e.event_time_ms % {MinuteMs}) + {MinuteMs}) % {MinuteMs}) AS minute_ms, e.org,
                   e.agent, e.tool_name, COALESCE(s.user_name, '') AS user_name, e.applied_verdict AS verdict, e.applied_source AS source,
                   e.applied_rule_ids, COALESCE(e.applied_latency_us, e.reported_latency_us) AS latency_us
            FROM events e LEFT JOIN sessions s ON s.session_id = e.session_id
            WHERE e.applied_verdict IS NOT NULL;
        INSERT INTO rollup_decisions (minute_ms, org, verdict, source, shard, n)
            SELECT minute_ms, org, verdict, source, 0, COUNT(*) FROM rollup_counted GROUP BY minute_ms, org, verdict, source;
        INSERT INTO rollup_latency (minute_ms, org, source, bucket, shard, n)
            SELECT minute_ms, org, source, bucket, 0, COUNT(*) FROM (
                SELECT minute_ms, org, source, CASE WHEN latency_us IS NULL THEN {Unmeasured} {LatencyBuckets()} ELSE {OverviewLatency.Buckets - 1} END AS bucket
                FROM rollup_counted) c
            GROUP BY minute_ms, org, source, bucket;
        INSERT INTO rollup_tops (minute_ms, org, kind, item, verdict, shard, n)
            SELECT minute_ms, org, kind, item, verdict, 0, COUNT(*) FROM (
                SELECT minute_ms, org, 'agent' AS kind, agent AS item, verdict FROM rollup_counted
                UNION ALL SELECT minute_ms, org, 'tool', tool_name, verdict FROM rollup_counted
                UNION ALL SELECT minute_ms, org, 'user', user_name, verdict FROM rollup_counted
                UNION ALL SELECT c.minute_ms, c.org, 'rule', r.rule_id, c.verdict
                    FROM rollup_counted c JOIN ({ruleIds}) r ON r.event_id = c.event_id) keys
            GROUP BY minute_ms, org, kind, item, verdict;
        DROP TABLE rollup_counted;
        """;

    /// <summary>
    /// <c>WHEN latency_us &lt;= up THEN i</c> for each bucket, where up is the largest latency <see cref="OverviewLatency.BucketOf"/>
    /// puts in bucket i or below, found from BucketOf itself: the backfill buckets exactly as the write path does,
    /// without floating point in SQL.
    /// </summary>
    private static string LatencyBuckets()
    {
        var rows = new StringBuilder();
        for (var i = 0; i < OverviewLatency.Buckets - 1; i++)
        {
            long low = 0, high = 1L << 40;
            while (low < high)
            {
                var mid = low + ((high - low + 1) / 2);
                if (OverviewLatency.BucketOf(mid) <= i)
                {
                    low = mid;
                }
                else
                {
                    high = mid - 1;
                }
            }
            rows.Append(CultureInfo.InvariantCulture, $" WHEN latency_us <= {low} THEN {i}");
        }
        return rows.ToString();
    }
}
