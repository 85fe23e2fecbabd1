using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    public int Prune(long cutoffMs, long nowMs, int max)
    {
        lock (_writerLock)
        {
            using var transaction = _writer.BeginTransaction();
            var cuts = new List<(string Session, long Seq, string Hash)>();
            using (var select = _writer.CreateCommand())
            {
                select.Transaction = transaction;
                // Per session, the newest chained event among the oldest `max`: everything up to it goes.
                select.CommandText = """
                    SELECT e.session_id, e.session_seq, e.hash FROM events e JOIN (
                        SELECT session_id, MAX(session_seq) AS last FROM (
                            SELECT session_id, session_seq FROM events
                            WHERE stored_at_ms < $cutoff AND session_seq IS NOT NULL ORDER BY stored_at_ms LIMIT $max)
                        GROUP BY session_id) c ON e.session_id = c.session_id AND e.session_seq = c.last;
                    """;
                select.Parameters.AddWithValue("$cutoff", cutoffMs);
                select.Parameters.AddWithValue("$max", max);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    cuts.Add((reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
                }
            }
            var deleted = 0;
            using (var delete = _writer.CreateCommand())
            using (var checkpoint = _writer.CreateCommand())
            {
                delete.Transaction = transaction;
                delete.CommandText = "DELETE FROM events WHERE session_id = $s AND session_seq <= $seq;";
                checkpoint.Transaction = transaction;
                checkpoint.CommandText = """
                    INSERT INTO chain_checkpoints (session_id, session_seq, hash, cut_at_ms) VALUES ($s, $seq, $hash, $now)
                    ON CONFLICT(session_id) DO UPDATE SET session_seq = excluded.session_seq, hash = excluded.hash, cut_at_ms = excluded.cut_at_ms;
                    """;
                foreach (var (session, seq, hash) in cuts)
                {
                    delete.Parameters.Clear();
                    delete.Parameters.AddWithValue("$s", session);
                    delete.Parameters.AddWithValue("$seq", seq);
                    deleted += delete.ExecuteNonQuery();
                    checkpoint.Parameters.Clear();
                    checkpoint.Parameters.AddWithValue("$s", session);
                    checkpoint.Parameters.AddWithValue("$seq", seq);
                    checkpoint.Parameters.AddWithValue("$hash", hash);
                    checkpoint.Parameters.AddWithValue("$now", nowMs);
                    checkpoint.ExecuteNonQuery();
                }
            }
            using (var legacy = _writer.CreateCommand())
            {
                // Events from before chains existed have no link to keep.
                legacy.Transaction = transaction;
                legacy.CommandText = """
                    DELETE FROM events WHERE rowid IN (
                        SELECT rowid FROM events WHERE session_seq IS NULL AND stored_at_ms < $cutoff LIMIT $max);
                    """;
                legacy.Parameters.AddWithValue("$cutoff", cutoffMs);
                legacy.Parameters.AddWithValue("$max", max);
                deleted += legacy.ExecuteNonQuery();
            }
            using (var states = _writer.CreateCommand())
            {
                // A session silent for longer than the retention forgets what its rules remembered.
                states.Transaction = transaction;
                states.CommandText = """
                    DELETE FROM session_states WHERE session_id IN (
                        SELECT session_id FROM session_states WHERE updated_at_ms < $cutoff LIMIT $max);
                    """;
                states.Parameters.AddWithValue("$cutoff", cutoffMs);
                states.Parameters.AddWithValue("$max", max);
                states.ExecuteNonQuery();
            }
            transaction.Commit();
            return deleted;
        }
    }
}
