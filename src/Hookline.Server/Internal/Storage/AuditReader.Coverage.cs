using System.Text;

namespace Hookline.Server.Internal.Storage;

internal abstract partial class AuditReader
{
    /// <summary>
    /// Coverage (the <c>tool_calls</c> rows): per session, calls seen to run, governed and not, with causes; and the calls
    /// themselves, every one of <paramref name="sessionId"/>, else the ungoverned ones. <paramref name="org"/> limits
    /// both to the sessions of one org.
    /// </summary>
    public async Task<CoverageView> CoverageAsync(string? sessionId, string? org, int limit, CancellationToken cancellation = default)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        using var sessions = connection.CreateCommand();
        var where = new StringBuilder("1 = 1");
        Equal(sessions, where, "t.session_id", "session", sessionId);
        Equal(sessions, where, "s.org", "org", org);
        sessions.CommandText = $"""
            SELECT t.session_id, s.agent, s.user_name, s.org,
                   COUNT(CASE WHEN t.ran_event_id IS NOT NULL THEN 1 END),
                   COUNT(CASE WHEN t.status = 'governed' THEN 1 END),
                   COUNT(CASE WHEN t.status = 'ungoverned' THEN 1 END),
                   COUNT(CASE WHEN t.heuristic = 1 AND t.ran_event_id IS NOT NULL THEN 1 END),
                   COUNT(CASE WHEN t.status = 'pending' THEN 1 END),
                   MAX(COALESCE(t.ran_at_ms, t.pre_at_ms))
            FROM tool_calls t JOIN sessions s ON s.session_id = t.session_id
            WHERE {where}
            GROUP BY t.session_id, s.agent, s.user_name, s.org
            ORDER BY 10 DESC, 1 LIMIT @limit;
            """;
        Add(sessions, "limit", (long)limit);
        var summaries = await ReadAllAsync(sessions, r => (Id: r.GetString(0), Agent: r.GetString(1), User: r.GetString(2), Org: r.GetString(3),
            Ran: r.GetInt64(4), Governed: r.GetInt64(5), Ungoverned: r.GetInt64(6), Heuristic: r.GetInt64(7), Pending: r.GetInt64(8)), cancellation).ConfigureAwait(false);

        using var causes = connection.CreateCommand();
        // Only the sessions of this page: their count is bounded, every session in retention is not.
        where = new StringBuilder("t.status = 'ungoverned' AND t.session_id IN (")
            .Append(summaries.Count == 0 ? "NULL" : InList(causes, "s", summaries.ConvertAll(s => s.Id))).Append(')');
        Equal(causes, where, "s.org", "org", org);
        causes.CommandText = $"""
            SELECT t.session_id, t.cause, COUNT(*) FROM tool_calls t JOIN sessions s ON s.session_id = t.session_id
            WHERE {where} GROUP BY t.session_id, t.cause;
            """;
        var byCause = (await ReadAllAsync(causes, r => (Session: r.GetString(0), Cause: r.IsDBNull(1) ? "" : r.GetString(1), Count: r.GetInt64(2)),
            cancellation).ConfigureAwait(false)).ToLookup(c => c.Session, StringComparer.Ordinal);

        using var calls = connection.CreateCommand();
        where = new StringBuilder(sessionId is null ? "t.status = 'ungoverned'" : "1 = 1");
        Equal(calls, where, "t.session_id", "session", sessionId);
        Equal(calls, where, "s.org", "org", org);
        calls.CommandText = $"""
            SELECT t.session_id, t.tool_name, t.tool_use_id, t.status, t.cause, t.heuristic, t.pre_verdict, t.pre_source,
                   t.pre_event_id, t.ran_event_id, t.ran_source, t.pre_at_ms, t.ran_at_ms, t.subagent_id
            FROM tool_calls t JOIN sessions s ON s.session_id = t.session_id
            WHERE {where}
            ORDER BY COALESCE(t.ran_at_ms, t.pre_at_ms) {(sessionId is null ? "DESC" : "ASC")}, t.call_key LIMIT @limit;
            """;
        Add(calls, "limit", (long)limit);
        var list = await ReadAllAsync(calls, r => new ToolCallView(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt64(5) != 0,
            r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
            r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10),
            r.IsDBNull(11) ? null : Time(r.GetInt64(11)), r.IsDBNull(12) ? null : Time(r.GetInt64(12)), r.GetString(13)), cancellation).ConfigureAwait(false);

        return new CoverageView(summaries.ConvertAll(s => new CoverageSessionView(s.Id, s.Agent, s.User, s.Org, s.Ran, s.Governed, s.Ungoverned,
            s.Heuristic, s.Pending, byCause[s.Id].Where(c => c.Cause.Length > 0).ToDictionary(c => c.Cause, c => c.Count, StringComparer.Ordinal))), list);
    }
}
