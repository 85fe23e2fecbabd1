using System.Data.Common;
using Hookline.Core;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// The read side of both stores, for the CLI and for the read API: the same queries, with the few words where SQLite
/// and PostgreSQL differ supplied by the subclass. Each call opens its own connection, so it can read while a server writes.
/// </summary>
internal abstract partial class AuditReader : IAuditReader
{
    /// <summary>An open connection; read-only where the backend allows it.</summary>
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellation);

    /// <summary>SQL turning a BLOB/BYTEA column into UTF-8 text.</summary>
    protected abstract string Text(string column);

    /// <summary>The column that gives storage order.</summary>
    protected abstract string StorageOrder { get; }

    public async Task<List<AuditEvent>> ReadEventsAsync(string? sessionId, int limit, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT * FROM (
              SELECT {EventSelect}
              FROM events WHERE (@session IS NULL OR session_id = @session)
              ORDER BY event_time_ms DESC, {StorageOrder} DESC LIMIT @limit) newest
            ORDER BY 17, 18;
            """;
        Add(command, "session", (object?)sessionId ?? DBNull.Value);
        Add(command, "limit", (long)limit);
        return await ReadAllAsync(command, Event, cancellation).ConfigureAwait(false);
    }

    public async Task<List<AuditSession>> ReadSessionsAsync(CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.session_id, s.agent, s.agent_session_id, s.user_name, s.cwd, s.status, s.created_at_ms, s.last_seen_ms,
                   s.ended_at_ms, COUNT(e.event_id),
                   COUNT(CASE WHEN e.applied_verdict = 'deny' THEN 1 END), COUNT(CASE WHEN e.applied_verdict = 'ask' THEN 1 END),
                   s.org, s.authenticated, COUNT(CASE WHEN e.applied_verdict = 'allow' THEN 1 END)
            FROM sessions s LEFT JOIN events e ON e.session_id = s.session_id
            GROUP BY s.session_id ORDER BY s.created_at_ms;
            """;
        return await ReadAllAsync(command, reader => new AuditSession(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.GetString(5), Time(reader.GetInt64(6)), Time(reader.GetInt64(7)),
            reader.IsDBNull(8) ? null : Time(reader.GetInt64(8)), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11))
        {
            Org = reader.GetString(12),
            Authenticated = reader.GetInt64(13) != 0,
            Allowed = reader.GetInt64(14),
        }, cancellation).ConfigureAwait(false);
    }

    public async Task<int> ExportAsync(long sinceUnixMs, Action<AuditEvent> write, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {EventSelect} FROM events WHERE event_time_ms >= @since ORDER BY event_time_ms, {StorageOrder};
            """;
        Add(command, "since", sinceUnixMs);
        await using var reader = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        var count = 0;
        while (await reader.ReadAsync(cancellation).ConfigureAwait(false))
        {
            write(Event(reader));
            count++;
        }
        return count;
    }

    public async Task<ChainReport> VerifyAsync(CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        return await ChainVerifier.VerifyAsync(connection, cancellation).ConfigureAwait(false);
    }

    /// <summary>The columns <see cref="Event(DbDataReader)"/> reads, in its order.</summary>
    protected string EventSelect => $"""
        event_id, session_id, agent, agent_session_id, hook_event, tool_name, tool_use_id,
        {Text("tool_input")}, COALESCE(evaluated, 'none'), applied_verdict, applied_source,
        COALESCE(applied_reason, reason), COALESCE(reason_code, ''), COALESCE(applied_rule_ids, rule_ids, ''),
        COALESCE(applied_epoch, policy_epoch), mode, event_time_ms, received_at_ms, stored_at_ms,
        user_name, org, authenticated
        """;

    // Every reader masks what storage under "redacted" would, whatever the capture mode (docs/security.md, Redaction).
    protected static AuditEvent Event(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        reader.GetString(5), reader.GetString(6), Redactor.RedactStored(Text(reader, 7)), reader.GetString(8), Text(reader, 9),
        reader.GetString(10), Redactor.RedactStored(Text(reader, 11)), Text(reader, 12), reader.GetString(13),
        reader.IsDBNull(14) ? null : reader.GetInt64(14), Text(reader, 15), Time(reader.GetInt64(16)),
        Time(reader.GetInt64(17)), Time(reader.GetInt64(18)))
    {
        User = reader.GetString(19),
        Org = reader.GetString(20),
        Authenticated = reader.GetInt64(21) != 0,
    };

    /// <summary>A test's seam: sees each query's command just before it runs (to ask the database for its plan).</summary>
    internal Action<DbCommand>? Reading { get; set; }

    protected async Task<List<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> map, CancellationToken cancellation)
    {
        Reading?.Invoke(command);
        await using var reader = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellation).ConfigureAwait(false))
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    protected static void Add(DbCommand command, string name, object value) => SqlParameters.Add(command, name, value);

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    protected static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}
