using System.Data.Common;

namespace Hookline.Server.Internal.Storage;

internal abstract partial class AuditStore
{
    private static readonly Rollup[] Rollups =
    [
        new("rollup_decisions", ["minute_ms", "org", "verdict", "source", "n"]),
        new("rollup_tops", ["minute_ms", "org", "kind", "item", "verdict", "n"]),
        new("rollup_latency", ["minute_ms", "org", "source", "bucket", "n"]),
    ];

    private readonly string?[] _rollupUpsertSql = new string?[3];
    private readonly string?[] _rollupDropSql = new string?[3];

    /// <summary>
    /// Adds a transaction's changes to the rollups: one upsert per table (<c>n = n + excluded.n</c>), then, where a
    /// count went down, the rows it brought to zero are dropped (only rows this transaction holds already).
    /// </summary>
    private void WriteRollups(StoreWrite write, RollupChanges changes)
    {
        if (changes.IsEmpty)
        {
            return;
        }
        var (decisions, tops, latency) = changes.Fold(Users(write, [.. changes.Sessions]));
        List<object?[]>[] rows = [decisions, tops, latency];
        for (var t = 0; t < Rollups.Length; t++)
        {
            if (rows[t].Count == 0)
            {
                continue;
            }
            var (table, columns) = Rollups[t];
            var keys = columns[..^1];
            _rollupUpsertSql[t] ??= $"""
                INSERT INTO {table} ({string.Join(", ", columns)})
                {Values(columns)}
                ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE SET n = {table}.n + excluded.n;
                """;
            using (var upsert = write.Command(_rollupUpsertSql[t]!))
            {
                ExecuteRows(upsert, columns, rows[t]);
            }
            var lowered = rows[t].Where(r => (long)r[^1]! < 0).Select(r => r[..^1]).ToList();
            if (lowered.Count == 0)
            {
                continue;
            }
            _rollupDropSql[t] ??= $"""
                DELETE FROM {table} {JoinRows("USING", keys)}
                WHERE {string.Join(" AND ", keys.Select(k => $"{table}.{k} = {Row(k)}"))} AND {table}.n = 0;
                """;
            using var drop = write.Command(_rollupDropSql[t]!);
            ExecuteRows(drop, keys, lowered);
        }
    }

    /// <summary>The user each session belongs to (the session's user_name, as the live view's user filter matches).</summary>
    private Dictionary<string, string> Users(StoreWrite write, IReadOnlyCollection<string> sessions)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        if (sessions.Count == 0)
        {
            return users;
        }
        using var select = write.Command($"SELECT session_id, user_name FROM sessions WHERE {InList("session_id", "ids")};");
        Add(select, "ids", ListValue(sessions));
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            users[reader.GetString(0)] = reader.GetString(1);
        }
        return users;
    }

    /// <summary>The counted values of the rows a statement over rows returns (<c>RETURNING</c> <see cref="CountedEvent.Columns"/>).</summary>
    private List<CountedEvent> ReturningCounted(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        var counted = new List<CountedEvent>();
        ReadRows(command, columns, rows, reader => counted.Add(CountedEvent.Read(reader, 0)));
        return counted;
    }

    private sealed record Rollup(string Table, string[] Columns);
}
