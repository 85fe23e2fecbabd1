using Hookline.Contracts.V1;
using Npgsql;

namespace Hookline.Server.Tests;

/// <summary>
/// A store call that waits in PostgreSQL (a row another connection holds locked) holds up its own session only: the
/// server awaits it, so other sessions open, are decided and stored meanwhile. A real server on a real database.
/// </summary>
public sealed class SlowStoreTests : IAsyncLifetime
{
    private TestDatabase? _database;
    private TestServer? _server;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task A_session_waiting_on_a_locked_row_holds_up_no_other_sessions_decisions()
    {
        _database = await TestDatabase.CreateAsync();
        _server = await TestServer.StartAsync(Policies.Standard, o => o.Postgres = _database.ConnectionString);
        _server.Database = _database;
        var locked = Guid.NewGuid().ToString();
        await _server.Client.CreateSessionAsync(new CreateSessionRequest { SessionId = locked, Agent = "claude" }, deadline: DateTime.UtcNow + Bound.Hang);

        // Another connection holds the session's row: the stream's open touches it, and waits in the database.
        await using var holder = new NpgsqlConnection(_database.ConnectionString);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT 1 FROM sessions WHERE session_id = @id FOR UPDATE;", holder, transaction))
        {
            hold.Parameters.AddWithValue("id", locked);
            Assert.Equal(1, (int)(await hold.ExecuteScalarAsync())!);
        }
        await using var waiting = await _server.OpenStreamAsync(locked);
        var held = waiting.DecideAsync(Events.Bash("git status", locked));
        await WaitUntilLockWaitsAsync(_database);

        // Meanwhile other sessions are created, streamed and decided, and their events stored.
        for (var i = 0; i < 4; i++)
        {
            var other = Guid.NewGuid().ToString();
            await using var stream = await _server.OpenStreamAsync(other);
            var push = Events.Bash("git push origin main", other);
            Assert.Equal(Verdict.Ask, (await stream.DecideAsync(push).WaitAsync(Bound.Hang)).Verdict);
            await stream.ReadUntilStoredAsync(push.EventId).WaitAsync(Bound.Hang);
        }
        Assert.False(held.IsCompleted);

        await transaction.CommitAsync();
        Assert.Equal(Verdict.Allow, (await held.WaitAsync(Bound.Hang)).Verdict);
    }

    /// <summary>Until a query of the server waits for the locked row; fails after <see cref="Bound.Hang"/>.</summary>
    private static async Task WaitUntilLockWaitsAsync(TestDatabase database)
    {
        var deadline = DateTime.UtcNow + Bound.Hang;
        // Each poll on a connection of its own: within one transaction pg_stat_activity would not change.
        while (await database.ScalarAsync<long>("""
            SELECT COUNT(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE sessions%';
            """) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the stream's open never waited on the locked session row");
            await Task.Delay(10);
        }
    }
}
