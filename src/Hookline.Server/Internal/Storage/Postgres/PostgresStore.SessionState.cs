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
}
