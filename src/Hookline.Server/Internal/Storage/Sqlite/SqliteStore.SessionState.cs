using Hookline.Policy;
using Hookline.Server.Internal.Storage;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    public ValueTask<PolicySessionMemory?> LoadSessionStateAsync(string sessionId, CancellationToken cancellation = default)
        => ValueTask.FromResult(LoadSessionState(sessionId));

    private PolicySessionMemory? LoadSessionState(string sessionId)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT state FROM session_states WHERE session_id = $id;";
        select.Parameters.AddWithValue("$id", sessionId);
        return select.ExecuteScalar() is byte[] bytes ? SessionStateCodec.Decode(bytes) : null;
    }
}
