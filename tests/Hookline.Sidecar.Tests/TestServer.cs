using Hookline.Server;
using Microsoft.Data.Sqlite;

namespace Hookline.Sidecar.Tests;

/// <summary>A real server on loopback with <see cref="Policies.Standard"/>, and read-only queries on its audit trail.</summary>
internal static class TestServer
{
    public static async Task<HooklineServer> StartAsync(TempDir dir, Action<HooklineServerOptions>? configure = null)
    {
        var policy = dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        var options = new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = policy,
            DataDirectory = dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        };
        configure?.Invoke(options);
        return await HooklineServer.StartAsync(options);
    }

    /// <summary>A sidecar of a new session on <paramref name="server"/>, with HTTP hooks, its socket and state under <paramref name="dir"/>.</summary>
    public static Task<HooklineSidecar> StartSidecarAsync(this HooklineServer server, TempDir dir, Action<SidecarOptions>? configure = null)
    {
        var options = new SidecarOptions
        {
            ServerUrl = server.GrpcAddress,
            SocketPath = dir.File("run/hook.sock"),
            StateDirectory = dir.File("state"),
            Budget = TimeSpan.FromSeconds(5),
            HttpHooks = true,
        };
        configure?.Invoke(options);
        return HooklineSidecar.StartAsync(options);
    }

    /// <summary>The first column of every row, as text.</summary>
    public static async Task<List<string>> RowsAsync(this HooklineServer server, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={server.DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}
