using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal;

/// <summary>Reads a SQLite audit trail, read-only, while the server may be writing it.</summary>
internal sealed class SqliteAuditReader : IAuditReader
{
    private readonly string _dataDirectory;

    public SqliteAuditReader(string dataDirectory) => _dataDirectory = dataDirectory;

    public List<AuditEvent> ReadEvents(string? sessionId, int limit)
    {
        using var connection = Open(_dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT * FROM (
              SELECT event_id, session_id, agent, agent_session_id, hook_event, tool_name, tool_use_id,
                     CAST(tool_input AS TEXT), COALESCE(evaluated, 'none'), applied_verdict, applied_source,
                     COALESCE(applied_reason, reason), COALESCE(reason_code, ''), COALESCE(applied_rule_ids, rule_ids, ''),
                     COALESCE(applied_epoch, policy_epoch), mode, event_time_ms, received_at_ms, stored_at_ms
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
                Time(reader.GetInt64(17)), Time(reader.GetInt64(18))));
        }
        return events;
    }

    public List<AuditSession> ReadSessions()
    {
        using var connection = Open(_dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.session_id, s.agent, s.agent_session_id, s.user_name, s.cwd, s.status, s.created_at_ms, s.last_seen_ms,
                   s.ended_at_ms, COUNT(e.event_id),
                   COALESCE(SUM(e.applied_verdict = 'deny'), 0), COALESCE(SUM(e.applied_verdict = 'ask'), 0)
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
                reader.IsDBNull(8) ? null : Time(reader.GetInt64(8)), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11)));
        }
        return sessions;
    }

    private static SqliteConnection Open(string dataDirectory)
    {
        var path = AuditTrail.DatabasePath(dataDirectory);
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
