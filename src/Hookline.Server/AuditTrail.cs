using Microsoft.Data.Sqlite;

namespace Hookline.Server;

/// <summary>One stored event as <c>hookline events</c> shows it.</summary>
/// <param name="Decision">What the policy said (allow, ask, deny), or "none" for events that were not decided.</param>
/// <param name="Applied">What the agent was told.</param>
/// <param name="Source">Where the applied decision came from: remote, local, fail_open, fail_closed, hook, non_blocking, malformed_input.</param>
public sealed record AuditEvent(
    string EventId, string SessionId, string Agent, string AgentSessionId, string HookEvent, string ToolName,
    string ToolUseId, string? ToolInput, string Decision, string? Applied, string Source, string? Reason,
    string? ReasonCode, string RuleIds, long? PolicyEpoch, string? Mode, DateTimeOffset OccurredAt,
    DateTimeOffset DecidedAt, DateTimeOffset StoredAt)
{
    /// <summary>The session's user: the token's, or (when <see cref="Authenticated"/> is false) what the sidecar claimed.</summary>
    public string User { get; init; } = "";

    public string Org { get; init; } = "";

    /// <summary>Whether user and org came from a token.</summary>
    public bool Authenticated { get; init; }
}

/// <summary>One session as <c>hookline sessions</c> shows it.</summary>
public sealed record AuditSession(
    string SessionId, string Agent, string AgentSessionId, string User, string Cwd, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset LastSeen, DateTimeOffset? EndedAt, long Events, long Denied, long Asked)
{
    public string Org { get; init; } = "";

    /// <summary>Whether user and org came from a token (else the sidecar claimed the OS user).</summary>
    public bool Authenticated { get; init; }
}

/// <summary>Reads the audit trail of a server's data directory, read-only, while the server may be writing it.</summary>
public static class AuditTrail
{
    public static string DatabasePath(string dataDirectory) => Path.Combine(dataDirectory, "hookline.db");

    /// <summary>The newest <paramref name="limit"/> events, oldest first, optionally of one session.</summary>
    public static List<AuditEvent> ReadEvents(string dataDirectory, string? sessionId = null, int limit = 1000)
    {
        using var connection = Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT * FROM (
              SELECT event_id, session_id, agent, agent_session_id, hook_event, tool_name, tool_use_id,
                     CAST(tool_input AS TEXT), COALESCE(evaluated, 'none'), applied_verdict, applied_source,
                     COALESCE(applied_reason, reason), COALESCE(reason_code, ''), COALESCE(applied_rule_ids, rule_ids, ''),
                     COALESCE(applied_epoch, policy_epoch), mode, event_time_ms, received_at_ms, stored_at_ms,
                     user_name, org, authenticated
              FROM events WHERE ($session IS NULL OR session_id = $session)
              ORDER BY event_time_ms DESC, rowid DESC LIMIT $limit)
            ORDER BY 17, 18;
            """;
        command.Parameters.AddWithValue("$session", (object?)sessionId ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var events = new List<AuditEvent>();
        while (reader.Read())
        {
            events.Add(new AuditEvent(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), Text(reader, 7), reader.GetString(8), Text(reader, 9),
                reader.GetString(10), Text(reader, 11), Text(reader, 12), reader.GetString(13),
                reader.IsDBNull(14) ? null : reader.GetInt64(14), Text(reader, 15), Time(reader.GetInt64(16)),
                Time(reader.GetInt64(17)), Time(reader.GetInt64(18)))
            {
                User = reader.GetString(19),
                Org = reader.GetString(20),
                Authenticated = reader.GetInt64(21) != 0,
            });
        }
        return events;
    }

    public static List<AuditSession> ReadSessions(string dataDirectory)
    {
        using var connection = Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.session_id, s.agent, s.agent_session_id, s.user_name, s.cwd, s.status, s.created_at_ms, s.last_seen_ms,
                   s.ended_at_ms, COUNT(e.event_id),
                   COALESCE(SUM(e.applied_verdict = 'deny'), 0), COALESCE(SUM(e.applied_verdict = 'ask'), 0),
                   s.org, s.authenticated
            FROM sessions s LEFT JOIN events e ON e.session_id = s.session_id
            GROUP BY s.session_id ORDER BY s.created_at_ms;
            """;
        using var reader = command.ExecuteReader();
        var sessions = new List<AuditSession>();
        while (reader.Read())
        {
            sessions.Add(new AuditSession(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), Time(reader.GetInt64(6)), Time(reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : Time(reader.GetInt64(8)), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11))
            {
                Org = reader.GetString(12),
                Authenticated = reader.GetInt64(13) != 0,
            });
        }
        return sessions;
    }

    private static SqliteConnection Open(string dataDirectory)
    {
        var path = DatabasePath(dataDirectory);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no audit trail there", path);
        }
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}
