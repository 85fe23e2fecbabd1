using Hookline.Server;
using Microsoft.Data.Sqlite;

namespace Hookline.Sidecar.Tests;

/// <summary>What the spool tests share: sidecar options under one temp directory, and reading the server's database.</summary>
internal static class SpoolTestStack
{
    public static SidecarOptions Options(TempDir dir, string server, string session) => new()
    {
        ServerUrl = server,
        SessionId = session,
        SocketPath = dir.File($"s{Guid.NewGuid():N}"[..12] + ".sock"),
        StateDirectory = dir.File("state"),
        OrphanFile = dir.File("orphans.jsonl"),
        Budget = TimeSpan.FromSeconds(5),
        MinReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        WarmupTimeout = TimeSpan.FromSeconds(10),
    };

    public static async Task<T> ScalarAsync<T>(HooklineServer server, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={server.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
