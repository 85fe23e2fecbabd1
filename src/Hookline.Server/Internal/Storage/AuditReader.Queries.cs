using System.Data.Common;
using System.Globalization;
using System.Text;
using Hookline.Core;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// The read API's queries: paged, filtered, newest first, by keyset (time, storage order), so no query loads more
/// than a page however many events are stored. The same SQL on SQLite and PostgreSQL; the words that differ come
/// from the subclass (<see cref="Text(string)"/>, <see cref="StorageOrder"/>, <see cref="SessionOrder"/>, <see cref="RuleCondition"/>).
/// </summary>
internal abstract partial class AuditReader
{
    public const int MaxPage = 1000;

    /// <summary>The column that gives the sessions' storage order.</summary>
    protected abstract string SessionOrder { get; }

    /// <summary><see cref="EventSelect"/>, then the user (the session's when the event has none), cwd, latency and storage order.</summary>
    private string ViewSelect => $"""
        {EventSelect},
        COALESCE(NULLIF(user_name, ''), (SELECT s.user_name FROM sessions s WHERE s.session_id = e.session_id)),
        cwd, COALESCE(applied_latency_us, reported_latency_us), {StorageOrder}
        """;

    public async Task<EventPage> EventsAsync(EventFilter filter, string? org, string? cursor, int limit, bool oldestFirst = false,
        CancellationToken cancellation = default)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
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
        Equal(command, where, "e.agent", "agent", filter.Agent);
        Equal(command, where, "e.tool_name", "tool", filter.Tool);
        Equal(command, where, "e.session_id", "session", filter.Session);
        Equal(command, where, "e.org", "org", org);
        if (filter.User is { } user)
        {
            where.Append(" AND e.session_id IN (SELECT session_id FROM sessions WHERE user_name = @user)");
            Add(command, "user", user);
        }
        if (filter.Rule is { } rule)
        {
            where.Append(" AND ").Append(RuleCondition(command, "COALESCE(e.applied_rule_ids, e.rule_ids, '')", rule));
        }
        Range(command, where, "e.event_time_ms", filter.Since, filter.Until);
        After(command, where, "e.event_time_ms", "e." + StorageOrder, cursor, oldestFirst);
        var order = oldestFirst ? "ASC" : "DESC";
        command.CommandText = $"""
            SELECT {ViewSelect} FROM events e WHERE {where}
            ORDER BY e.event_time_ms {order}, e.{StorageOrder} {order} LIMIT @limit;
            """;
        Add(command, "limit", limit + 1);
        var items = await ReadAllAsync(command, ReadView, cancellation).ConfigureAwait(false);
        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            next = items[^1].Cursor;
        }
        return new EventPage(items, next);
    }

    public async Task<EventView?> EventAsync(string eventId, string? org, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        var where = new StringBuilder("e.event_id = @id");
        Equal(command, where, "e.org", "org", org);
        command.CommandText = $"SELECT {ViewSelect} FROM events e WHERE {where};";
        Add(command, "id", eventId);
        return (await ReadAllAsync(command, ReadView, cancellation).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>The events whose storage order lies in [<paramref name="first"/>, <paramref name="last"/>], in that order (at most <see cref="MaxPage"/>).</summary>
    public async Task<List<EventView>> StoredBetweenAsync(long first, long last, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {ViewSelect} FROM events e WHERE e.{StorageOrder} BETWEEN @first AND @last
            ORDER BY e.{StorageOrder} LIMIT {MaxPage};
            """;
        Add(command, "first", first);
        Add(command, "last", last);
        return await ReadAllAsync(command, ReadView, cancellation).ConfigureAwait(false);
    }

    /// <summary>The stored payloads of one event, secrets masked as storage under "redacted" would, in every capture mode.</summary>
    public async Task<RawEventView?> RawAsync(string eventId, string? org, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        var where = new StringBuilder("event_id = @id");
        Equal(command, where, "org", "org", org);
        command.CommandText = $"""
            SELECT {Text("tool_input")}, {Text("tool_response")}, {Text("raw_input")}, prompt, payload_truncated
            FROM events WHERE {where};
            """;
        Add(command, "id", eventId);
        return (await ReadAllAsync(command, reader => new RawEventView(eventId, Redactor.RedactStored(Text(reader, 0)), Redactor.RedactStored(Text(reader, 1)),
            Redactor.RedactStored(Text(reader, 2)), Redactor.RedactStored(Text(reader, 3)), reader.GetInt64(4) != 0), cancellation).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task<SessionPage> SessionsAsync(SessionFilter filter, string? org, string? cursor, int limit, CancellationToken cancellation = default)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        var where = new StringBuilder("1 = 1");
        Equal(command, where, "s.status", "status", filter.Status);
        Equal(command, where, "s.agent", "agent", filter.Agent);
        Equal(command, where, "s.user_name", "user", filter.User);
        Equal(command, where, "s.session_id", "session", filter.Session);
        Equal(command, where, "s.org", "org", org);
        if (filter.Cwd is { } cwd)
        {
            where.Append(" AND substr(s.cwd, 1, length(@cwd)) = @cwd");
            Add(command, "cwd", cwd);
        }
        Range(command, where, "s.created_at_ms", filter.Since, filter.Until);
        After(command, where, "s.created_at_ms", "s." + SessionOrder, cursor, oldestFirst: false);
        // Counts per page only, each a range of the page's session on events_session_time_verdict.
        command.CommandText = $"""
            SELECT s.session_id, s.agent, s.agent_session_id, s.user_name, s.cwd, s.status, s.created_at_ms, s.last_seen_ms,
                   s.ended_at_ms,
                   (SELECT COUNT(*) FROM events e WHERE e.session_id = s.session_id),
                   (SELECT COUNT(*) FROM events e WHERE e.session_id = s.session_id AND e.applied_verdict = 'deny'),
                   (SELECT COUNT(*) FROM events e WHERE e.session_id = s.session_id AND e.applied_verdict = 'ask'),
                   (SELECT COUNT(*) FROM events e WHERE e.session_id = s.session_id AND e.applied_verdict = 'allow'),
                   s.{SessionOrder}, s.org, s.authenticated
            FROM sessions s WHERE {where} ORDER BY s.created_at_ms DESC, s.{SessionOrder} DESC LIMIT @limit;
            """;
        Add(command, "limit", limit + 1);
        var rows = await ReadAllAsync(command, reader => (View: new SessionView(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), Time(reader.GetInt64(6)), Time(reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : Time(reader.GetInt64(8)), reader.GetInt64(9), reader.GetInt64(10),
                reader.GetInt64(11), reader.GetInt64(12))
            {
                Org = reader.GetString(14),
                Authenticated = reader.GetInt64(15) != 0,
            }, Cursor: Keyset.Format(reader.GetInt64(6), reader.GetInt64(13))), cancellation).ConfigureAwait(false);
        string? next = null;
        if (rows.Count > limit)
        {
            rows.RemoveAt(limit);
            next = rows[^1].Cursor;
        }
        return new SessionPage(rows.Select(r => r.View).ToList(), next);
    }

    /// <summary>Every accepted policy, newest first; documents only when asked for.</summary>
    public async Task<List<EpochView>> EpochsAsync(bool withDocuments, long? only = null, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT epoch, hash, source, applied_at_ms, {(withDocuments ? "document" : "NULL")}, applied_by FROM policy_epochs
            {(only is null ? "" : "WHERE epoch = @only")} ORDER BY epoch DESC;
            """;
        if (only is { } epoch)
        {
            Add(command, "only", epoch);
        }
        return await ReadAllAsync(command, reader => new EpochView(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Time(reader.GetInt64(3)), Text(reader, 4),
            reader.GetString(5)), cancellation).ConfigureAwait(false);
    }

    /// <summary>Stored events per rule id (a decision naming several rules counts for each), with the latest hit.</summary>
    public async Task<Dictionary<string, (long Hits, long LastMs)>> RuleHitsAsync(string? org, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        var where = new StringBuilder("applied_rule_ids IS NOT NULL AND applied_rule_ids <> ''");
        Equal(command, where, "org", "org", org);
        // Grouped by the stored id list (few distinct values) over the covering index, then split here.
        command.CommandText = $"SELECT applied_rule_ids, COUNT(*), MAX(event_time_ms) FROM events WHERE {where} GROUP BY applied_rule_ids;";
        var hits = new Dictionary<string, (long Hits, long LastMs)>(StringComparer.Ordinal);
        foreach (var (ids, count, last) in await ReadAllAsync(command, reader => (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)), cancellation).ConfigureAwait(false))
        {
            foreach (var id in RuleIds(ids))
            {
                hits.TryGetValue(id, out var sum);
                hits[id] = (sum.Hits + count, Math.Max(sum.LastMs, last));
            }
        }
        return hits;
    }

    /// <summary>Events since <paramref name="sinceMs"/> by applied source, and the p99 of the latency the hooks saw.</summary>
    public async Task<(Dictionary<string, long> Sources, long Decided, double? HookP99Ms, long ActiveSessions)> WindowAsync(long sinceMs,
        string? org, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        var inOrg = new StringBuilder();
        Equal(command, inOrg, "org", "org", org);
        command.CommandText = $"""
            SELECT applied_source, COUNT(*), COUNT(applied_verdict) FROM events
            WHERE event_time_ms >= @since{inOrg} GROUP BY applied_source;
            """;
        Add(command, "since", sinceMs);
        var sources = new Dictionary<string, long>(StringComparer.Ordinal);
        long decided = 0;
        foreach (var (source, count, withVerdict) in await ReadAllAsync(command, reader => (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)), cancellation).ConfigureAwait(false))
        {
            sources[source] = count;
            decided += withVerdict;
        }
        command.CommandText = $"""
            SELECT COALESCE(applied_latency_us, reported_latency_us) AS latency_us FROM events
            WHERE event_time_ms >= @since AND COALESCE(applied_latency_us, reported_latency_us) IS NOT NULL{inOrg}
            ORDER BY latency_us DESC LIMIT 1 OFFSET (
              SELECT COUNT(*) / 100 FROM events
              WHERE event_time_ms >= @since AND COALESCE(applied_latency_us, reported_latency_us) IS NOT NULL{inOrg});
            """;
        var p99 = await command.ExecuteScalarAsync(cancellation).ConfigureAwait(false);
        command.CommandText = $"SELECT COUNT(*) FROM sessions WHERE status = 'active'{inOrg};";
        var active = Convert.ToInt64(await command.ExecuteScalarAsync(cancellation).ConfigureAwait(false), CultureInfo.InvariantCulture);
        return (sources, decided, p99 is long us ? us / 1000.0 : null, active);
    }

    /// <summary>
    /// SQL true when the comma-joined id list <paramref name="ids"/> names <paramref name="rule"/> (ids cannot contain
    /// a comma). Plain SQL here; PostgreSQL matches an indexed array instead.
    /// </summary>
    protected virtual string RuleCondition(DbCommand command, string ids, string rule)
    {
        Add(command, "rule", "%," + rule.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + ",%");
        return $"(',' || {ids} || ',') LIKE @rule ESCAPE '\\'";
    }

    private static void Range(DbCommand command, StringBuilder where, string column, DateTimeOffset? since, DateTimeOffset? until)
    {
        if (since is { } from)
        {
            where.Append(" AND ").Append(column).Append(" >= @since");
            Add(command, "since", from.ToUnixTimeMilliseconds());
        }
        if (until is { } to)
        {
            where.Append(" AND ").Append(column).Append(" < @until");
            Add(command, "until", to.ToUnixTimeMilliseconds());
        }
    }

    /// <summary>
    /// The keyset condition past a cursor. The time bound comes first and on its own, so that both planners use it as
    /// an index range; the storage order only breaks ties within one millisecond.
    /// </summary>
    private static void After(DbCommand command, StringBuilder where, string time, string order, string? cursor, bool oldestFirst)
    {
        if (!Keyset.TryParse(cursor, out var afterMs, out var afterRow))
        {
            return;
        }
        var (bound, strict) = oldestFirst ? (">=", ">") : ("<=", "<");
        where.Append($" AND {time} {bound} @cms AND ({time} {strict} @cms OR {order} {strict} @crow)");
        Add(command, "cms", afterMs);
        Add(command, "crow", afterRow);
    }

    private static string InList(DbCommand command, string prefix, IReadOnlyList<string> values)
    {
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            names[i] = $"@{prefix}{i}";
            Add(command, prefix + i, values[i]);
        }
        return string.Join(", ", names);
    }

    private static void Equal(DbCommand command, StringBuilder where, string column, string parameter, string? value)
    {
        if (value is not null)
        {
            where.Append(" AND ").Append(column).Append(" = @").Append(parameter);
            Add(command, parameter, value);
        }
    }

    // Views mask what storage under "redacted" would, whatever the capture mode (see docs/security.md, Redaction).
    private static EventView ReadView(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        reader.GetString(5), reader.GetString(6), Redactor.RedactStored(Text(reader, 7)), reader.GetString(8), Text(reader, 9),
        reader.GetString(10), Redactor.RedactStored(Text(reader, 11)), Text(reader, 12), RuleIds(reader.GetString(13)),
        reader.IsDBNull(14) ? null : reader.GetInt64(14), Text(reader, 15), Time(reader.GetInt64(16)),
        Time(reader.GetInt64(17)), Time(reader.GetInt64(18)), Text(reader, 22), Text(reader, 23),
        reader.IsDBNull(24) ? null : reader.GetInt64(24))
    {
        Cursor = Keyset.Format(reader.GetInt64(16), reader.GetInt64(25)),
        Org = reader.GetString(20),
        Authenticated = reader.GetInt64(21) != 0,
    };

    public static string[] RuleIds(string? joined) => string.IsNullOrEmpty(joined) ? [] : joined.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Which sessions to list.</summary>
internal sealed record SessionFilter(string? Status, string? Agent, string? User, string? Cwd, string? Session, DateTimeOffset? Since, DateTimeOffset? Until)
{
    public static readonly SessionFilter All = new(null, null, null, null, null, null, null);
}

/// <summary>An opaque page cursor: "time_ms.order" of the last row shown (order: the row's storage order).</summary>
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
