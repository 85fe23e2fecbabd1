using Npgsql;

namespace Hookline.Testing;

/// <summary>
/// A fresh PostgreSQL database per test, dropped after it, on the server named by HOOKLINE_TEST_POSTGRES (a connection
/// string of a role that may create databases; <c>.ci/postgres</c> starts one and prints it).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Variable = "HOOKLINE_TEST_POSTGRES";

    private readonly string _admin;
    private readonly string _name;

    private TestDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        _name = name;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <summary>
    /// The admin connection string, or a skip when no PostgreSQL is configured on a developer machine. In CI
    /// (<c>CI=true</c>, where .ci/run sets it) nothing is skipped: a missing PostgreSQL fails the test.
    /// </summary>
    public static string Admin()
    {
        var admin = Environment.GetEnvironmentVariable(Variable);
        Requires.That(!string.IsNullOrEmpty(admin), $"{Variable} is not set: no PostgreSQL to test against (.ci/postgres starts one)");
        return admin!;
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var admin = Admin();
        var name = "hookline_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(admin, name, builder.ConnectionString);
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name.TrimStart('@', '$'), value);
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default! : (T)result;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
