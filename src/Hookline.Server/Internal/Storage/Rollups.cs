using System.Data.Common;

namespace Hookline.Server.Internal.Storage;

/// <summary>What the overview's rollups count of one stored event (see <see cref="RollupSchema"/>).</summary>
/// <param name="Verdict">The applied verdict; null: not a decision, not counted.</param>
/// <param name="LatencyUs">The applied latency, else the reported one; null: unmeasured.</param>
internal sealed record CountedEvent(string EventId, string SessionId, long TimeMs, string Org, string Agent, string Tool,
    string? Verdict, string Source, string? RuleIds, long? LatencyUs)
{
    private static readonly string[] Names =
    [
        "event_id", "session_id", "event_time_ms", "org", "agent", "tool_name", "applied_verdict", "applied_source", "applied_rule_ids",
    ];

    private static readonly int[] Indexes = [.. Names.Select(n => Array.IndexOf(EventColumns.Names, n))];
    private static readonly int AppliedLatency = Array.IndexOf(EventColumns.Names, "applied_latency_us");

    /// <summary>The columns <see cref="Read"/> reads, of <paramref name="table"/> (qualified where a statement joins another).</summary>
    public static string Columns(string table = "events") =>
        string.Join(", ", Names.Select(n => $"{table}.{n}")) + $", COALESCE({table}.applied_latency_us, {table}.reported_latency_us)";

    public static CountedEvent Read(DbDataReader reader, int first) => new(
        reader.GetString(first), reader.GetString(first + 1), reader.GetInt64(first + 2), reader.GetString(first + 3),
        reader.GetString(first + 4), reader.GetString(first + 5), reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
        reader.GetString(first + 7), reader.IsDBNull(first + 8) ? null : reader.GetString(first + 8),
        reader.IsDBNull(first + 9) ? null : reader.GetInt64(first + 9));

    /// <summary>An event about to be inserted, from its values in the order of <see cref="EventColumns.Names"/>.</summary>
    public static CountedEvent Of(object?[] values) => new(
        (string)values[Indexes[0]]!, (string)values[Indexes[1]]!, (long)values[Indexes[2]]!, (string)values[Indexes[3]]!,
        (string)values[Indexes[4]]!, (string)values[Indexes[5]]!, (string?)values[Indexes[6]], (string)values[Indexes[7]]!,
        (string?)values[Indexes[8]], (long?)values[AppliedLatency]);
}

/// <summary>
/// The changes one transaction makes to what the rollups count, folded in memory into one signed row per rollup key,
/// so each rollup table takes one upsert per transaction (and PostgreSQL's upsert never touches a row twice).
/// </summary>
internal sealed class RollupChanges
{
    private readonly List<(CountedEvent Event, long Sign)> _changes = [];

    public bool IsEmpty => _changes.Count == 0;

    /// <summary>The sessions of the counted events, whose users the tops need.</summary>
    public IEnumerable<string> Sessions => _changes.Where(c => c.Event.Verdict is not null).Select(c => c.Event.SessionId).Distinct(StringComparer.Ordinal);

    public void Add(CountedEvent stored) => _changes.Add((stored, 1));

    public void Remove(CountedEvent removed) => _changes.Add((removed, -1));

    /// <summary>A stored event whose counted values changed (an applied decision filled in, a latency reported).</summary>
    public void Move(CountedEvent before, CountedEvent after)
    {
        Remove(before);
        Add(after);
    }

    /// <summary>
    /// Signed rows per table, all in the writer's <paramref name="shard"/>, in key order (so writers of one shard lock
    /// shared rows in one order), zeros left out.
    /// </summary>
    public (List<object?[]> Decisions, List<object?[]> Tops, List<object?[]> Latency) Fold(IReadOnlyDictionary<string, string> users, long shard)
    {
        var decisions = new Dictionary<(long, string, string, string), long>();
        var tops = new Dictionary<(long, string, string, string, string), long>();
        var latency = new Dictionary<(long, string, string, long), long>();
        foreach (var (e, sign) in _changes)
        {
            if (e.Verdict is not { } verdict)
            {
                continue;
            }
            var minute = RollupSchema.MinuteOf(e.TimeMs);
            Increment(decisions, (minute, e.Org, verdict, e.Source), sign);
            Increment(latency, (minute, e.Org, e.Source, e.LatencyUs is { } us ? OverviewLatency.BucketOf(us) : RollupSchema.Unmeasured), sign);
            Increment(tops, (minute, e.Org, "agent", e.Agent, verdict), sign);
            Increment(tops, (minute, e.Org, "tool", e.Tool, verdict), sign);
            Increment(tops, (minute, e.Org, "user", users.GetValueOrDefault(e.SessionId, ""), verdict), sign);
            foreach (var rule in RollupSchema.CountedRuleIds(e.RuleIds))
            {
                Increment(tops, (minute, e.Org, "rule", rule, verdict), sign);
            }
        }
        return (
            [.. decisions.Where(d => d.Value != 0).Select(d => new object?[] { d.Key.Item1, d.Key.Item2, d.Key.Item3, d.Key.Item4, shard, d.Value }).Order(KeyOrder.Instance)],
            [.. tops.Where(d => d.Value != 0).Select(d => new object?[] { d.Key.Item1, d.Key.Item2, d.Key.Item3, d.Key.Item4, d.Key.Item5, shard, d.Value }).Order(KeyOrder.Instance)],
            [.. latency.Where(d => d.Value != 0).Select(d => new object?[] { d.Key.Item1, d.Key.Item2, d.Key.Item3, d.Key.Item4, shard, d.Value }).Order(KeyOrder.Instance)]);
    }

    private static void Increment<TKey>(Dictionary<TKey, long> counts, TKey key, long sign) where TKey : notnull
        => counts[key] = counts.GetValueOrDefault(key) + sign;

    /// <summary>Orders rows by their key columns (all but the last, n): longs by value, strings ordinally.</summary>
    private sealed class KeyOrder : IComparer<object?[]>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare(object?[]? x, object?[]? y)
        {
            for (var i = 0; i < x!.Length - 1; i++)
            {
                var order = x[i] is string s ? string.CompareOrdinal(s, (string)y![i]!) : ((long)x[i]!).CompareTo((long)y![i]!);
                if (order != 0)
                {
                    return order;
                }
            }
            return 0;
        }
    }
}
