using Npgsql;

namespace Hookline.Server.Internal.Storage.Postgres;

internal sealed partial class PostgresStore
{
    public int Prune(long cutoffMs, long nowMs, int max)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var sessions = new List<string>();
        using (var candidates = new NpgsqlCommand("""
            SELECT DISTINCT session_id FROM (
                SELECT session_id FROM events WHERE stored_at_ms < @cutoff AND session_seq IS NOT NULL
                ORDER BY stored_at_ms LIMIT @max) oldest ORDER BY 1;
            """, connection, transaction))
        {
            candidates.Parameters.AddWithValue("cutoff", cutoffMs);
            candidates.Parameters.AddWithValue("max", (long)max);
            using var reader = candidates.ExecuteReader();
            while (reader.Read())
            {
                sessions.Add(reader.GetString(0));
            }
        }
        // The same per-session locks as the writer: a chain is never cut while a replica extends it.
        using (var lockSessions = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtextextended(s, 0)) FROM unnest(@sessions::text[]) AS t(s);", connection, transaction))
        {
            lockSessions.Parameters.AddWithValue("sessions", sessions.ToArray());
            lockSessions.ExecuteNonQuery();
        }
        using var cut = new NpgsqlCommand("""
            WITH oldest AS (
                SELECT session_id, session_seq FROM events
                WHERE stored_at_ms < @cutoff AND session_seq IS NOT NULL AND session_id = ANY(@sessions)
                ORDER BY stored_at_ms LIMIT @max),
            last AS (
                SELECT e.session_id, e.session_seq, e.hash FROM events e
                JOIN (SELECT session_id, MAX(session_seq) AS seq FROM oldest GROUP BY session_id) c
                  ON e.session_id = c.session_id AND e.session_seq = c.seq),
            checkpointed AS (
                INSERT INTO chain_checkpoints (session_id, session_seq, hash, cut_at_ms)
                SELECT session_id, session_seq, hash, @now FROM last
                ON CONFLICT (session_id) DO UPDATE SET session_seq = excluded.session_seq, hash = excluded.hash, cut_at_ms = excluded.cut_at_ms),
            deleted AS (
                DELETE FROM events e USING last WHERE e.session_id = last.session_id AND e.session_seq <= last.session_seq
                RETURNING 1)
            SELECT COUNT(*) FROM deleted;
            """, connection, transaction);
        cut.Parameters.AddWithValue("cutoff", cutoffMs);
        cut.Parameters.AddWithValue("sessions", sessions.ToArray());
        cut.Parameters.AddWithValue("max", (long)max);
        cut.Parameters.AddWithValue("now", nowMs);
        var deleted = (long)cut.ExecuteScalar()!;
        using (var legacy = new NpgsqlCommand("""
            DELETE FROM events WHERE event_id IN (
                SELECT event_id FROM events WHERE session_seq IS NULL AND stored_at_ms < @cutoff LIMIT @max);
            """, connection, transaction))
        {
            legacy.Parameters.AddWithValue("cutoff", cutoffMs);
            legacy.Parameters.AddWithValue("max", (long)max);
            deleted += legacy.ExecuteNonQuery();
        }
        using (var states = new NpgsqlCommand("""
            DELETE FROM session_states WHERE session_id IN (
                SELECT session_id FROM session_states WHERE updated_at_ms < @cutoff LIMIT @max);
            """, connection, transaction))
        {
            // A session silent for longer than the retention forgets what its rules remembered.
            states.Parameters.AddWithValue("cutoff", cutoffMs);
            states.Parameters.AddWithValue("max", (long)max);
            states.ExecuteNonQuery();
        }
        transaction.Commit();
        return (int)deleted;
    }
}
