using Hookline.Policy;
using Hookline.Server.Internal.Storage;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    public PolicySessionMemory? LoadSessionState(string sessionId)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT state FROM session_states WHERE session_id = $id;";
        select.Parameters.AddWithValue("$id", sessionId);
        return select.ExecuteScalar() is byte[] bytes ? SessionStateCodec.Decode(bytes) : null;
    }

    private void SaveStates(SqliteTransaction transaction, IReadOnlyList<SessionStateWrite>? states)
    {
        if (states is not { Count: > 0 })
        {
            return;
        }
        using var select = _writer.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT state FROM session_states WHERE session_id = $id;";
        var selectId = select.Parameters.Add("$id", SqliteType.Text);
        using var upsert = _writer.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO session_states (session_id, state, updated_at_ms) VALUES ($id, $state, $now)
            ON CONFLICT(session_id) DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms;
            """;
        var id = upsert.Parameters.Add("$id", SqliteType.Text);
        var state = upsert.Parameters.Add("$state", SqliteType.Blob);
        upsert.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        foreach (var write in states)
        {
            selectId.Value = write.SessionId;
            var stored = select.ExecuteScalar() as byte[];
            id.Value = write.SessionId;
            state.Value = SessionStateCodec.MergeWithStored(write.Memory, stored);
            upsert.ExecuteNonQuery();
        }
    }
}
