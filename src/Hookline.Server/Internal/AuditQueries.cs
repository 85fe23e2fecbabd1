using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal;

/// <summary>
/// The read side of the audit trail: paged, filtered, newest first, by keyset (time, rowid), so no query loads
/// more than a page however many events are stored. Plain SQL over one connection per call, kept apart from the
/// writer so it can be ported to another store.
/// </summary>
internal sealed class AuditQueries(Func<SqliteConnection> open)
{
    public const int MaxPage = 1000;

    /// <summary>Indexes the read side needs; idempotent, run once by the server at start.</summary>
    public const string IndexesSql = """
        CREATE INDEX IF NOT EXISTS events_applied_time ON events(applied_verdict, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_agent_time ON events(agent, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_tool_time ON events(tool_name, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_source_time ON events(applied_source, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_session_applied ON events(session_id, applied_verdict);
        CREATE INDEX IF NOT EXISTS events_rules ON events(applied_rule_ids, event_time_ms);
        CREATE INDEX IF NOT EXISTS sessions_created ON sessions(created_at_ms);
        CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_name);
        """;

    private const string EventColumns = """
        e.event_id, e.session_id, e.agent, e.agent_session_id, e.hook_event, e.tool_name, e.tool_use_id,
        CAST(e.tool_input AS TEXT), COALESCE(e.evaluated, 'none'), e.applied_verdict, e.applied_source,
        COALESCE(e.applied_reason, e.reason), COALESCE(e.reason_code, ''), COALESCE(e.applied_rule_ids, e.rule_ids, ''),
        COALESCE(e.applied_epoch, e.policy_epoch), e.mode, e.event_time_ms, e.received_at_ms, e.stored_at_ms,
        COALESCE(NULLIF(e.user_name, ''), (SELECT s.user_name FROM sessions s WHERE s.session_id = e.session_id)),
        e.cwd, e.applied_latency_us, e.rowid, e.org, e.authenticated
        """;

    public EventPage Events(EventFilter filter, string? cursor, int limit, bool oldestFirst = false)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        using var connection = open();
        using var command = connection.CreateCommand();
        var where = new StringBuilder("1 = 1");
        if (filter.Decisions is { } decisions)
        {
            where.Append(" AND COALESCE(e.applied_verdict, 'none') IN (").Append(InList(command, "d", decisions)).Append(')');
        }
        if (filter.Sources is { } sources)
        {
            where.Append(" AND e.applied_source IN (").Append(InList(command, "src", sources)).Append(')');
        }
        Equal(command, where, "e.agent", "$agent", filter.Agent);
        Equal(command, where, "e.tool_name", "$tool", filter.Tool);
        Equal(command, where, "e.session_id", "$session", filter.Session);
        if (filter.User is { } user)
        {
            where.Append(" AND e.session_id IN (SELECT session_id FROM sessions WHERE user_name = $user)");
            command.Parameters.AddWithValue("$user", user);
        }
        if (filter.Rule is { } rule)
        {
            // Rule ids are stored comma-joined; ids cannot contain a comma.
            where.Append(" AND (',' || COALESCE(e.applied_rule_ids, e.rule_ids, '') || ',') LIKE $rule ESCAPE '\\'");
            command.Parameters.AddWithValue("$rule", "%," + rule.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + ",%");
        }
        if (filter.Since is { } since)
        {
            where.Append(" AND e.event_time_ms >= $since");
            command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        }
        if (filter.Until is { } until)
        {
            where.Append(" AND e.event_time_ms < $until");
            command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
        }
        if (Keyset.TryParse(cursor, out var afterMs, out var afterRow))
        {
            where.Append(oldestFirst
                ? " AND (e.event_time_ms > $cms OR (e.event_time_ms = $cms AND e.rowid > $crow))"
                : " AND (e.event_time_ms < $cms OR (e.event_time_ms = $cms AND e.rowid < $crow))");
            command.Parameters.AddWithValue("$cms", afterMs);
            command.Parameters.AddWithValue("$crow", afterRow);
        }
        var order = oldestFirst ? "ASC" : "DESC";
        command.CommandText = $"SELECT {EventColumns} FROM events e WHERE {where} ORDER BY e.event_time_ms {order}, e.rowid {order} LIMIT $limit;";
        command.Parameters.AddWithValue("$limit", limit + 1);
        var items = new List<EventView>(Math.Min(limit + 1, 128));
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(ReadEvent(reader));
            }
        }
        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            next = items[^1].Cursor;
        }
        return new EventPage(items, next);
    }

    public EventView? Event(string eventId)
    {
        using var connection = open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {EventColumns} FROM events e WHERE e.event_id = $id;";
        command.Parameters.AddWithValue("$id", eventId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadEvent(reader) : null;
    }

    /// <summary>The stored payloads of one event, secrets masked.</summary>
    public RawEventView? Raw(string eventId)
    {
        using var connection = open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT CAST(tool_input AS TEXT), CAST(tool_response AS TEXT), CAST(raw_input AS TEXT), prompt, payload_truncated
            FROM events WHERE event_id = $id;
            """;
        command.Parameters.AddWithValue("$id", eventId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        return new RawEventView(eventId, Redactor.Redact(Text(reader, 0)), Redactor.Redact(Text(reader, 1)),
            Redactor.Redact(Text(reader, 2)), Redactor.Redact(Text(reader, 3)), reader.GetInt64(4) != 0);
    }

    public SessionPage Sessions(SessionFilter filter, string? cursor, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        using var connection = open();
        using var command = connection.CreateCommand();
        var where = new StringBuilder("1 = 1");
        Equal(command, where, "s.status", "$status", filter.Status);
        Equal(command, where, "s.agent", "$agent", filter.Agent);
        Equal(command, where, "s.user_name", "$user", filter.User);
        Equal(command, where, "s.session_id", "$session", filter.Session);
        if (filter.Cwd is { } cwd)
        {
            where.Append(" AND substr(s.cwd, 1, length($cwd)) = $cwd");
            command.Parameters.AddWithValue("$cwd", cwd);
        }
        if (filter.Since is { } since)
        {
            where.Append(" AND s.created_at_ms >= $since");
            command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        }
        if (filter.Until is { } until)
        {
            where.Append(" AND s.created_at_ms < $until");
            command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
        }
        if (Keyset.TryParse(cursor, out var afterMs, out var afterRow))
        {
            where.Append(" AND (s.created_at_ms < $cms OR (s.created_at_ms = $cms AND s.rowid < $crow))");
            command.Parameters.AddWithValue("$cms", afterMs);
            command.Parameters.AddWithValue("$crow", afterRow);
        }
        // Counts per page only, each an index-only lookup on (session_id, applied_verdict).
        command.CommandText = $"""
            SELECT s.session_id, s.agent, s.agent_session_id, s.user_name, s.cwd, s.status, s.created_at_ms, s.last_seen_ms,
                   s.ended_at_ms,
                   (SELECT COUNT(*) FROM events e WHERE e.session_id = s.session_id),
                   (SELECT COUNT(*) FROM events e WHERE e.session_id = s.session_id AND e.applied_verdict = 'deny'),
                   (SELECT COUNT(*) FROM events e WHERE e.session_id = s.session_id AND e.applied_verdict = 'ask'),
                   (SELECT COUNT(*) FROM events e WHERE e.session_id = s.session_id AND e.applied_verdict = 'allow'),
                   s.rowid, s.org, s.authenticated
            FROM sessions s WHERE {where} ORDER BY s.created_at_ms DESC, s.rowid DESC LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$limit", limit + 1);
        var items = new List<SessionView>();
        var cursors = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(new SessionView(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetString(5), Time(reader.GetInt64(6)), Time(reader.GetInt64(7)),
                    reader.IsDBNull(8) ? null : Time(reader.GetInt64(8)), reader.GetInt64(9), reader.GetInt64(10),
                    reader.GetInt64(11), reader.GetInt64(12))
                {
                    Org = reader.GetString(14),
                    Authenticated = reader.GetInt64(15) != 0,
                });
                cursors.Add(Keyset.Format(reader.GetInt64(6), reader.GetInt64(13)));
            }
        }
        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            next = cursors[limit - 1];
        }
        return new SessionPage(items, next);
    }

    /// <summary>Every accepted policy, newest first; documents only when asked for.</summary>
    public List<EpochView> Epochs(bool withDocuments, long? only = null)
    {
        using var connection = open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT epoch, hash, source, applied_at_ms, {(withDocuments ? "document" : "NULL")} FROM policy_epochs
            WHERE ($only IS NULL OR epoch = $only) ORDER BY epoch DESC;
            """;
        command.Parameters.AddWithValue("$only", (object?)only ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var epochs = new List<EpochView>();
        while (reader.Read())
        {
            epochs.Add(new EpochView(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Time(reader.GetInt64(3)), Text(reader, 4)));
        }
        return epochs;
    }

    /// <summary>Stored events per rule id (a decision naming several rules counts for each), with the latest hit.</summary>
    public Dictionary<string, (long Hits, long LastMs)> RuleHits()
    {
        using var connection = open();
        using var command = connection.CreateCommand();
        // Grouped by the stored id list (few distinct values) over the covering index, then split here.
        command.CommandText = """
            SELECT applied_rule_ids, COUNT(*), MAX(event_time_ms) FROM events
            WHERE applied_rule_ids IS NOT NULL AND applied_rule_ids <> '' GROUP BY applied_rule_ids;
            """;
        using var reader = command.ExecuteReader();
        var hits = new Dictionary<string, (long Hits, long LastMs)>(StringComparer.Ordinal);
        while (reader.Read())
        {
            foreach (var id in reader.GetString(0).Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                hits.TryGetValue(id, out var sum);
                hits[id] = (sum.Hits + reader.GetInt64(1), Math.Max(sum.LastMs, reader.GetInt64(2)));
            }
        }
        return hits;
    }

    /// <summary>Events since <paramref name="sinceMs"/> by applied source, and the p99 of the latency the hooks saw.</summary>
    public (Dictionary<string, long> Sources, long Decided, double? HookP99Ms, long ActiveSessions) Window(long sinceMs)
    {
        using var connection = open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT applied_source, COUNT(*), SUM(applied_verdict IS NOT NULL) FROM events
            WHERE event_time_ms >= $since GROUP BY applied_source;
            """;
        command.Parameters.AddWithValue("$since", sinceMs);
        var sources = new Dictionary<string, long>(StringComparer.Ordinal);
        long decided = 0;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                sources[reader.GetString(0)] = reader.GetInt64(1);
                decided += reader.IsDBNull(2) ? 0 : reader.GetInt64(2);
            }
        }
        command.CommandText = """
            SELECT applied_latency_us FROM events WHERE event_time_ms >= $since AND applied_latency_us IS NOT NULL
            ORDER BY applied_latency_us DESC LIMIT 1 OFFSET (
              SELECT COUNT(*) / 100 FROM events WHERE event_time_ms >= $since AND applied_latency_us IS NOT NULL);
            """;
        var p99 = command.ExecuteScalar();
        command.CommandText = "SELECT COUNT(*) FROM sessions WHERE status = 'active';";
        var active = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        return (sources, decided, p99 is long us ? us / 1000.0 : null, active);
    }

    private static string InList(SqliteCommand command, string prefix, IReadOnlyList<string> values)
    {
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            names[i] = $"${prefix}{i}";
            command.Parameters.AddWithValue(names[i], values[i]);
        }
        return string.Join(", ", names);
    }

    private static void Equal(SqliteCommand command, StringBuilder where, string column, string parameter, string? value)
    {
        if (value is not null)
        {
            where.Append(" AND ").Append(column).Append(" = ").Append(parameter);
            command.Parameters.AddWithValue(parameter, value);
        }
    }

    private static EventView ReadEvent(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        reader.GetString(5), reader.GetString(6), Text(reader, 7), reader.GetString(8), Text(reader, 9),
        reader.GetString(10), Text(reader, 11), Text(reader, 12), RuleIds(reader.GetString(13)),
        reader.IsDBNull(14) ? null : reader.GetInt64(14), Text(reader, 15), Time(reader.GetInt64(16)),
        Time(reader.GetInt64(17)), Time(reader.GetInt64(18)), Text(reader, 19), Text(reader, 20),
        reader.IsDBNull(21) ? null : reader.GetInt64(21))
    {
        Cursor = Keyset.Format(reader.GetInt64(16), reader.GetInt64(22)),
        Org = reader.GetString(23),
        Authenticated = reader.GetInt64(24) != 0,
    };

    public static string[] RuleIds(string? joined) => string.IsNullOrEmpty(joined) ? [] : joined.Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}

/// <summary>Which sessions to list.</summary>
internal sealed record SessionFilter(string? Status, string? Agent, string? User, string? Cwd, string? Session, DateTimeOffset? Since, DateTimeOffset? Until)
{
    public static readonly SessionFilter All = new(null, null, null, null, null, null, null);
}

/// <summary>An opaque page cursor: "time_ms.rowid" of the last row shown.</summary>
internal static class Keyset
{
    public static string Format(long ms, long rowid) => string.Create(CultureInfo.InvariantCulture, $"{ms}.{rowid}");

    public static bool TryParse(string? cursor, out long ms, out long rowid)
    {
        ms = rowid = 0;
        if (string.IsNullOrEmpty(cursor))
        {
            return false;
        }
        var dot = cursor.IndexOf('.');
        if (dot <= 0 || !long.TryParse(cursor.AsSpan(0, dot), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ms)
            || !long.TryParse(cursor.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out rowid))
        {
            throw new FormatException($"cursor: '{cursor}' is not a cursor this server gave out");
        }
        return true;
    }
}
