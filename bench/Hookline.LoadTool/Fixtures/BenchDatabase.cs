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

    /// <summary>
    /// CPU time of the PostgreSQL backends serving this database, read from /proc (their title names it): the server's
    /// own store cost, which the hookline process's CPU leaves out. Backends that ended before the call are not in it.
    /// </summary>
    public TimeSpan BackendCpu()
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var title = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!title.StartsWith("postgres:", StringComparison.Ordinal) || !title.Contains(_name, StringComparison.Ordinal))
                {
                    continue;
                }
                // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                    + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // The process ended meanwhile, or is not ours to read.
            }
        }
        // Clock ticks are 100 per second on Linux (sysconf(_SC_CLK_TCK)).
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

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
