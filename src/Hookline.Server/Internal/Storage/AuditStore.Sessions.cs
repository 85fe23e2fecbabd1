using System.Data.Common;
using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Server.Internal.Auth;

namespace Hookline.Server.Internal.Storage;

internal abstract partial class AuditStore
{
    // What requests and decisions wait on, written once over DbCommand's async API. PostgreSQL answers over the
    // network without holding a thread; SQLite's connection and commands answer synchronously behind the same calls
    // (each opens its own pooled connection, reads never wait in WAL mode, and a write waits at most for the batch
    // being committed). The sweep stays synchronous: it runs on its own timer thread.

    /// <summary>A connection of its own for one request, opened without holding a thread where the backend can.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellation);

    /// <summary>A connection of its own, opened synchronously, for the work of storage threads.</summary>
    public abstract DbConnection Open();

    /// <summary>Creates the session, or returns the existing one unchanged when the id is known.</summary>
    public async ValueTask<(SessionRecord Session, bool Resumed)> CreateOrResumeSessionAsync(CreateSessionRequest request, string sessionId,
        long nowMs, SessionIdentity identity, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO sessions (session_id, agent, agent_session_id, cwd, user_name, hostname, sidecar_version,
                                  status, created_at_ms, last_seen_ms, org, authenticated, token_id, principal)
            VALUES (@id, @agent, @agent_session_id, @cwd, @user, @hostname, @version, 'active', @now, @now,
                    @org, @authenticated, @token_id, @principal)
            ON CONFLICT (session_id) DO NOTHING;
            """;
        Add(insert, "id", sessionId);
        Add(insert, "agent", request.Agent);
        Add(insert, "agent_session_id", request.AgentSessionId);
        Add(insert, "cwd", request.Cwd);
        Add(insert, "user", identity.User);
        Add(insert, "org", identity.Org);
        Add(insert, "authenticated", identity.Authenticated ? 1L : 0L);
        Add(insert, "token_id", identity.TokenId);
        Add(insert, "principal", identity.Principal.Key);
        Add(insert, "hostname", request.Hostname);
        Add(insert, "version", request.SidecarVersion);
        Add(insert, "now", nowMs);
        var created = await insert.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false) == 1;
        var session = await FindSessionAsync(connection, sessionId, cancellation).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"session {sessionId} vanished after insert");
        return (session, !created);
    }

    /// <summary>Records that the session is alive. An ended session stays ended; a disconnected one becomes active again.</summary>
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
        await using var update = connection.CreateCommand();
        update.CommandText = sql;
        Add(update, "id", sessionId);
        Add(update, "now", nowMs);
        await update.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        return await FindSessionAsync(connection, sessionId, cancellation).ConfigureAwait(false);
    }

    /// <summary>Marks active sessions not seen since <paramref name="cutoffMs"/> and not in <paramref name="connected"/> as disconnected.</summary>
    public int MarkSilentSessionsDisconnected(long cutoffMs, IReadOnlySet<string> connected)
    {
        // Sessions streaming to this server are alive whatever last_seen says; other replicas' sessions heartbeat.
        using var connection = Open();
        using var update = connection.CreateCommand();
        update.CommandText = $"""
            UPDATE sessions SET status = 'disconnected'
            WHERE status = 'active' AND last_seen_ms < @cutoff AND NOT ({InList("session_id", "connected")});
            """;
        Add(update, "cutoff", cutoffMs);
        Add(update, "connected", ListValue(connected));
        return update.ExecuteNonQuery();
    }

    public async ValueTask<SessionRecord?> FindSessionAsync(string sessionId, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        return await FindSessionAsync(connection, sessionId, cancellation).ConfigureAwait(false);
    }

    private static async ValueTask<SessionRecord?> FindSessionAsync(DbConnection connection, string sessionId, CancellationToken cancellation)
    {
        await using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT session_id, agent, agent_session_id, cwd, user_name, status, created_at_ms, last_seen_ms, ended_at_ms,
                   principal, authenticated, org
            FROM sessions WHERE session_id = @id;
            """;
        Add(select, "id", sessionId);
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

    /// <summary>
    /// The stored policy memory of a session (rate hits, taints, denials), or null when none is stored.
    /// <see cref="FormatException"/> when what is stored cannot be read.
    /// </summary>
    public async ValueTask<PolicySessionMemory?> LoadSessionStateAsync(string sessionId, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT state FROM session_states WHERE session_id = @id;";
        Add(select, "id", sessionId);
        return await select.ExecuteScalarAsync(cancellation).ConfigureAwait(false) is byte[] bytes ? SessionStateCodec.Decode(bytes) : null;
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
