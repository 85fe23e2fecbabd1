using System.Data.Common;

namespace Hookline.Server.Internal.Storage;

/// <summary>Walks every session's chain in <c>session_seq</c> order and recomputes each link.</summary>
internal static class ChainVerifier
{
    public static async Task<ChainReport> VerifyAsync(DbConnection connection, CancellationToken cancellation)
    {
        var checkpoints = new Dictionary<string, (long Seq, string Hash)>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT session_id, session_seq, hash FROM chain_checkpoints;";
            await using var reader = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellation).ConfigureAwait(false))
            {
                checkpoints[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2));
            }
        }
        long events = 0, sessions = 0, unchained = 0;
        var broken = new List<BrokenLink>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*) FROM events WHERE session_seq IS NULL;";
            unchained = Convert.ToInt64(await command.ExecuteScalarAsync(cancellation).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT session_id, session_seq, event_id, prev_hash, hash, applied_hash, {string.Join(", ", EventColumns.Names)}
                FROM events WHERE session_seq IS NOT NULL ORDER BY session_id, session_seq;
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            string? session = null;
            (long Seq, string Hash) expected = (0, AuditChain.Genesis);
            var sessionBroken = false;
            var values = new object?[EventColumns.Names.Length];
            while (await reader.ReadAsync(cancellation).ConfigureAwait(false))
            {
                var sessionId = reader.GetString(0);
                if (sessionId != session)
                {
                    session = sessionId;
                    sessions++;
                    sessionBroken = false;
                    expected = checkpoints.GetValueOrDefault(sessionId, (0, AuditChain.Genesis));
                }
                events++;
                if (sessionBroken)
                {
                    continue;
                }
                var seq = reader.GetInt64(1);
                var eventId = reader.GetString(2);
                var previous = reader.IsDBNull(3) ? null : reader.GetString(3);
                var hash = reader.IsDBNull(4) ? null : reader.GetString(4);
                var appliedHash = reader.IsDBNull(5) ? null : reader.GetString(5);
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = reader.IsDBNull(6 + i) ? null : reader.GetValue(6 + i);
                }
                string? problem = null;
                if (seq != expected.Seq + 1)
                {
                    problem = seq > expected.Seq + 1
                        ? $"events {expected.Seq + 1}..{seq - 1} of the chain are missing"
                        : $"session_seq {seq} repeats or goes back (expected {expected.Seq + 1})";
                }
                else if (previous != expected.Hash)
                {
                    problem = "prev_hash is not the hash of the previous event";
                }
                else if (hash != AuditChain.Link(expected.Hash, seq, values))
                {
                    problem = "the event's stored content does not match its hash";
                }
                else if (appliedHash != AuditChain.Applied(hash!, values))
                {
                    problem = "the applied decision does not match its seal";
                }
                if (problem is not null)
                {
                    broken.Add(new BrokenLink(sessionId, seq, eventId, problem));
                    sessionBroken = true;
                    continue;
                }
                expected = (seq, hash!);
            }
        }
        return new ChainReport(sessions, events, unchained, checkpoints.Count, broken);
    }
}
