using Npgsql;

namespace Hookline.LoadTool.Fixtures;

/// <summary>
/// A fresh PostgreSQL database for one run, created through an admin connection string (a role that may create
/// databases) on a loopback server, and dropped afterwards, so each run starts from an empty audit trail.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string _admin;
    private readonly string _name;

    private BenchDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        _name = name;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(string admin)
    {
        var builder = new NpgsqlConnectionStringBuilder(admin);
        if (!IsLoopback(builder.Host))
        {
            throw new ArgumentException($"--postgres: the load tool runs only against a loopback or Unix-socket server, not '{builder.Host}'");
        }
        var name = "hookline_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            await create.ExecuteNonQueryAsync();
        }
        builder.Database = name;
        return new BenchDatabase(admin, name, builder.ConnectionString);
    }

    private static bool IsLoopback(string? host) => host is "127.0.0.1" or "localhost" or "::1" || host?.StartsWith('/') == true;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
