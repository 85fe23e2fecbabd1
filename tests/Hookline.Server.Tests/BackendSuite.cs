using System.Net;

namespace Hookline.Server.Tests;

/// <summary>
/// A suite that runs on each storage backend: a sealed subclass per backend picks SQLite (each server its own data
/// directory) or a fresh PostgreSQL database, shared by the servers of one test and dropped after it.
/// </summary>
public abstract class BackendSuite : IAsyncLifetime
{
    private readonly List<TestServer> _servers = [];
    private TestDatabase? _database;
    private bool _databaseCreated;

    /// <summary>Null: SQLite. Otherwise a fresh PostgreSQL database (or a skip when none is configured).</summary>
    internal abstract Task<TestDatabase?> CreateDatabaseAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>A real server with the read API on loopback; created by each test, so a missing PostgreSQL skips the test.</summary>
    internal async Task<TestServer> StartAsync(Action<HooklineServerOptions>? configure = null)
    {
        if (!_databaseCreated)
        {
            _database = await CreateDatabaseAsync();
            _databaseCreated = true;
        }
        var server = await TestServer.StartAsync(Policies.Standard, o =>
        {
            o.HttpListen = "http://127.0.0.1:0";
            o.Postgres = _database?.ConnectionString;
            configure?.Invoke(o);
        });
        server.Database = _database;
        _servers.Add(server);
        return server;
    }

    /// <summary>Puts a new policy in force the way the backend takes one: the edited file, or <c>policy apply</c> into the database.</summary>
    internal static async Task ChangePolicyAsync(TestServer server, string policy)
    {
        if (server.Database is null)
        {
            Assert.True(await server.EditPolicyAsync(policy));
            return;
        }
        using var http = new HttpClient { Timeout = Bound.Hang };
        using var response = await http.PostAsync(server.Server.HttpAddress + HooklineServer.PolicyApplyPath, 
            new StringContent(policy, System.Text.Encoding.UTF8, HooklineHttp.PolicyMediaType));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Where <c>hookline verify</c> reads the server's audit trail.</summary>
    internal static AuditLocation Location(TestServer server) => server.Database is { } database
        ? new AuditLocation("", database.ConnectionString)
        : new AuditLocation(Path.GetDirectoryName(server.Server.DatabasePath)!);

    /// <summary>Changes the server's database behind its back (one row), as someone with access to it could.</summary>
    internal static async Task ExecuteAsync(TestServer server, string sql)
    {
        if (server.Database is { } database)
        {
            await database.ExecuteAsync(sql);
            return;
        }
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.Server.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    public async Task DisposeAsync()
    {
        for (var i = _servers.Count - 1; i >= 0; i--)
        {
            await _servers[i].DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
