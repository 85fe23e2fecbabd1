using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    // The session members answer synchronously behind the awaitable signatures: each opens its own pooled connection,
    // reads never wait in WAL mode, and a write waits at most for the batch being committed (one fsync). Moving them
    // to another thread would block that thread instead.

    public ValueTask<(SessionRecord Session, bool Resumed)> CreateOrResumeSessionAsync(CreateSessionRequest request, string sessionId,
        long nowMs, SessionIdentity identity, CancellationToken cancellation = default)
        => ValueTask.FromResult(CreateOrResumeSession(request, sessionId, nowMs, identity));

    public ValueTask<SessionRecord?> TouchAsync(string sessionId, long nowMs, CancellationToken cancellation = default)
        => ValueTask.FromResult(Touch(sessionId, nowMs));

    public ValueTask<SessionRecord?> EndSessionAsync(string sessionId, long nowMs, CancellationToken cancellation = default)
        => ValueTask.FromResult(EndSession(sessionId, nowMs));

    public ValueTask<SessionRecord?> FindSessionAsync(string sessionId, CancellationToken cancellation = default)
        => ValueTask.FromResult(FindSession(sessionId));

    /// <summary>Creates the session, or returns the existing one unchanged when the id is known.</summary>
    private (SessionRecord Session, bool Resumed) CreateOrResumeSession(CreateSessionRequest request, string sessionId, long nowMs,
        SessionIdentity identity)
    {
        using var connection = Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO sessions (session_id, agent, agent_session_id, cwd, user_name, hostname, sidecar_version,
                                  status, created_at_ms, last_seen_ms, org, authenticated, token_id, principal)
            VALUES ($id, $agent, $agent_session_id, $cwd, $user, $hostname, $version, 'active', $now, $now,
                    $org, $authenticated, $token_id, $principal)
            ON CONFLICT(session_id) DO NOTHING;
            """;
        insert.Parameters.AddWithValue("$id", sessionId);
        insert.Parameters.AddWithValue("$agent", request.Agent);
        insert.Parameters.AddWithValue("$agent_session_id", request.AgentSessionId);
        insert.Parameters.AddWithValue("$cwd", request.Cwd);
        insert.Parameters.AddWithValue("$user", identity.User);
        insert.Parameters.AddWithValue("$org", identity.Org);
        insert.Parameters.AddWithValue("$authenticated", identity.Authenticated ? 1 : 0);
        insert.Parameters.AddWithValue("$token_id", (object?)identity.TokenId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$principal", identity.Principal.Key);
        insert.Parameters.AddWithValue("$hostname", request.Hostname);
        insert.Parameters.AddWithValue("$version", request.SidecarVersion);
        insert.Parameters.AddWithValue("$now", nowMs);
        var created = insert.ExecuteNonQuery() == 1;
        var session = FindSession(connection, sessionId)
            ?? throw new InvalidOperationException($"session {sessionId} vanished after insert");
        return (session, !created);
    }

    /// <summary>
    /// Records that the session is alive. An ended session stays ended; a disconnected one becomes active again.
    /// </summary>
    private SessionRecord? Touch(string sessionId, long nowMs)
    {
        using var connection = Open();
        using var update = connection.CreateCommand();
        update.CommandText = """
            UPDATE sessions SET last_seen_ms = $now,
                status = CASE WHEN status = 'ended' THEN 'ended' ELSE 'active' END
            WHERE session_id = $id;
            """;
        update.Parameters.AddWithValue("$id", sessionId);
        update.Parameters.AddWithValue("$now", nowMs);
        update.ExecuteNonQuery();
        return FindSession(connection, sessionId);
    }

    private SessionRecord? EndSession(string sessionId, long nowMs)
    {
        using var connection = Open();
        using var update = connection.CreateCommand();
        update.CommandText = """
            UPDATE sessions SET status = 'ended', ended_at_ms = COALESCE(ended_at_ms, $now), last_seen_ms = $now
            WHERE session_id = $id;
            DELETE FROM session_states WHERE session_id = $id;
            """;
        update.Parameters.AddWithValue("$id", sessionId);
        update.Parameters.AddWithValue("$now", nowMs);
        update.ExecuteNonQuery();
        return FindSession(connection, sessionId);
    }

    /// <summary>Marks active sessions not seen since <paramref name="cutoffMs"/> and not in <paramref name="connected"/> as disconnected.</summary>
    public int MarkSilentSessionsDisconnected(long cutoffMs, IReadOnlySet<string> connected)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT session_id FROM sessions WHERE status = 'active' AND last_seen_ms < $cutoff;";
        select.Parameters.AddWithValue("$cutoff", cutoffMs);
        var silent = new List<string>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                var candidate = reader.GetString(0);
                if (!connected.Contains(candidate))
                {
                    silent.Add(candidate);
                }
            }
        }
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE sessions SET status = 'disconnected' WHERE session_id = $id AND status = 'active';";
        var id = update.Parameters.Add("$id", SqliteType.Text);
        foreach (var sessionId in silent)
        {
            id.Value = sessionId;
            update.ExecuteNonQuery();
        }
        return silent.Count;
    }

    private SessionRecord? FindSession(string sessionId)
    {
        using var connection = Open();
        return FindSession(connection, sessionId);
    }

    private static SessionRecord? FindSession(SqliteConnection connection, string sessionId)
    {
        using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT session_id, agent, agent_session_id, cwd, user_name, status, created_at_ms, last_seen_ms, ended_at_ms,
                   principal, authenticated, org
            FROM sessions WHERE session_id = $id;
            """;
        select.Parameters.AddWithValue("$id", sessionId);
        using var reader = select.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        return new SessionRecord(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            SessionStatuses.Parse(reader.GetString(5)), reader.GetInt64(6), reader.GetInt64(7),
            reader.IsDBNull(8) ? null : reader.GetInt64(8),
            new SessionOwner(reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetInt64(10) == 1, reader.GetString(4), reader.GetString(11)));
    }
}

internal static class SessionStatuses
{
    public static SessionStatus Parse(string status) => status switch
    {
        "active" => SessionStatus.Active,
        "disconnected" => SessionStatus.Disconnected,
        "ended" => SessionStatus.Ended,
        _ => SessionStatus.Unspecified,
    };
}
