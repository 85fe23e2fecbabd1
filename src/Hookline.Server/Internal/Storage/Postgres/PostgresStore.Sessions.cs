using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage.Sqlite;
using Hookline.Server.Internal.Storage;
using Npgsql;

namespace Hookline.Server.Internal.Storage.Postgres;

internal sealed partial class PostgresStore
{
    /// <summary>A pooled connection, opened without holding a thread: requests and decisions wait on these.</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellation) => _dataSource.OpenConnectionAsync(cancellation);

    public async ValueTask<(SessionRecord Session, bool Resumed)> CreateOrResumeSessionAsync(CreateSessionRequest request, string sessionId,
        long nowMs, SessionIdentity identity, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO sessions (session_id, agent, agent_session_id, cwd, user_name, hostname, sidecar_version,
                                  status, created_at_ms, last_seen_ms, org, authenticated, token_id, principal)
            VALUES (@id, @agent, @agent_session_id, @cwd, @user, @hostname, @version, 'active', @now, @now,
                    @org, @authenticated, @token_id, @principal)
            ON CONFLICT (session_id) DO NOTHING;
            """, connection);
        insert.Parameters.AddWithValue("id", sessionId);
        insert.Parameters.AddWithValue("agent", request.Agent);
        insert.Parameters.AddWithValue("agent_session_id", request.AgentSessionId);
        insert.Parameters.AddWithValue("cwd", request.Cwd);
        insert.Parameters.AddWithValue("user", identity.User);
        insert.Parameters.AddWithValue("org", identity.Org);
        insert.Parameters.AddWithValue("authenticated", identity.Authenticated ? 1L : 0L);
        insert.Parameters.AddWithValue("token_id", (object?)identity.TokenId ?? DBNull.Value);
        insert.Parameters.AddWithValue("principal", identity.Principal.Key);
        insert.Parameters.AddWithValue("hostname", request.Hostname);
        insert.Parameters.AddWithValue("version", request.SidecarVersion);
        insert.Parameters.AddWithValue("now", nowMs);
        var created = await insert.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false) == 1;
        var session = await FindSessionAsync(connection, sessionId, cancellation).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"session {sessionId} vanished after insert");
        return (session, !created);
    }

    public ValueTask<SessionRecord?> TouchAsync(string sessionId, long nowMs, CancellationToken cancellation = default) =>
        UpdateSessionAsync(sessionId, nowMs, """
        UPDATE sessions SET last_seen_ms = @now,
            status = CASE WHEN status = 'ended' THEN 'ended' ELSE 'active' END
        WHERE session_id = @id;
        """, cancellation);

    public ValueTask<SessionRecord?> EndSessionAsync(string sessionId, long nowMs, CancellationToken cancellation = default) =>
        UpdateSessionAsync(sessionId, nowMs, """
        UPDATE sessions SET status = 'ended', ended_at_ms = COALESCE(ended_at_ms, @now), last_seen_ms = @now
        WHERE session_id = @id;
        DELETE FROM session_states WHERE session_id = @id;
        """, cancellation);

    private async ValueTask<SessionRecord?> UpdateSessionAsync(string sessionId, long nowMs, string sql, CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        await using var update = new NpgsqlCommand(sql, connection);
        update.Parameters.AddWithValue("id", sessionId);
        update.Parameters.AddWithValue("now", nowMs);
        await update.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        return await FindSessionAsync(connection, sessionId, cancellation).ConfigureAwait(false);
    }

    public int MarkSilentSessionsDisconnected(long cutoffMs, IReadOnlySet<string> connected)
    {
        // Sessions streaming to this replica are alive whatever last_seen says; other replicas' sessions heartbeat.
        using var connection = Open();
        using var update = new NpgsqlCommand("""
            UPDATE sessions SET status = 'disconnected'
            WHERE status = 'active' AND last_seen_ms < @cutoff AND NOT (session_id = ANY(@connected));
            """, connection);
        update.Parameters.AddWithValue("cutoff", cutoffMs);
        update.Parameters.AddWithValue("connected", connected.ToArray());
        return update.ExecuteNonQuery();
    }

    public async ValueTask<SessionRecord?> FindSessionAsync(string sessionId, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        return await FindSessionAsync(connection, sessionId, cancellation).ConfigureAwait(false);
    }

    private static async ValueTask<SessionRecord?> FindSessionAsync(NpgsqlConnection connection, string sessionId, CancellationToken cancellation)
    {
        await using var select = new NpgsqlCommand("""
            SELECT session_id, agent, agent_session_id, cwd, user_name, status, created_at_ms, last_seen_ms, ended_at_ms,
                   principal, authenticated, org
            FROM sessions WHERE session_id = @id;
            """, connection);
        select.Parameters.AddWithValue("id", sessionId);
        await using var reader = await select.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellation).ConfigureAwait(false))
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
