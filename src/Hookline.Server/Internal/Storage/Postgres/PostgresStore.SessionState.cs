using Hookline.Policy;
using Hookline.Server.Internal.Storage;
using Npgsql;

namespace Hookline.Server.Internal.Storage.Postgres;

internal sealed partial class PostgresStore
{
    public PolicySessionMemory? LoadSessionState(string sessionId)
    {
        using var connection = Open();
        using var select = new NpgsqlCommand("SELECT state FROM session_states WHERE session_id = @id;", connection);
        select.Parameters.AddWithValue("id", sessionId);
        return select.ExecuteScalar() is byte[] bytes ? SessionStateCodec.Decode(bytes) : null;
    }

    /// <summary>
    /// Stores the sessions' memories merged with what another replica stored; the caller holds the sessions' advisory
    /// locks, so no replica writes them in between.
    /// </summary>
    private void SaveStates(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<SessionStateWrite>? states)
    {
        if (states is not { Count: > 0 })
        {
            return;
        }
        var ids = states.Select(s => s.SessionId).ToArray();
        var stored = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var select = new NpgsqlCommand("SELECT session_id, state FROM session_states WHERE session_id = ANY(@ids);", connection, transaction))
        {
            select.Parameters.AddWithValue("ids", ids);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                stored[reader.GetString(0)] = (byte[])reader.GetValue(1);
            }
        }
        using var upsert = new NpgsqlCommand("""
            INSERT INTO session_states (session_id, state, updated_at_ms)
            SELECT s, st, @now FROM unnest(@ids::text[], @states::bytea[]) AS t(s, st)
            ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms;
            """, connection, transaction);
        upsert.Parameters.AddWithValue("ids", ids);
        upsert.Parameters.AddWithValue("states", states.Select(s => SessionStateCodec.MergeWithStored(s.Memory, stored.GetValueOrDefault(s.SessionId))).ToArray());
        upsert.Parameters.AddWithValue("now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        upsert.ExecuteNonQuery();
    }
}
