using Hookline.Policy;
using Hookline.Server.Internal.Storage;
using Npgsql;

namespace Hookline.Server.Internal.Storage.Postgres;

internal sealed partial class PostgresStore
{
    public async ValueTask<PolicySessionMemory?> LoadSessionStateAsync(string sessionId, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        await using var select = new NpgsqlCommand("SELECT state FROM session_states WHERE session_id = @id;", connection);
        select.Parameters.AddWithValue("id", sessionId);
        return await select.ExecuteScalarAsync(cancellation).ConfigureAwait(false) is byte[] bytes ? SessionStateCodec.Decode(bytes) : null;
    }
}
