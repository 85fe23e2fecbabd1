using Hookline.Contracts.V1;
using Npgsql;

namespace Hookline.Server.Tests;

/// <summary>
/// A store call that waits in PostgreSQL (a row another connection holds locked) holds up its own session only: the
/// server awaits it, so other sessions open, are decided and stored meanwhile. A real server on a real database.
/// </summary>
public sealed class SlowStoreTests : BackendSuite
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();

    [SkippableFact]
    public async Task A_session_waiting_on_a_locked_row_holds_up_no_other_sessions_decisions()
    {
        var server = await StartAsync();
        var database = server.Database!;
        var locked = Guid.NewGuid().ToString();
        await server.Client.CreateSessionAsync(new CreateSessionRequest { SessionId = locked, Agent = "claude" }, deadline: DateTime.UtcNow + Bound.Hang);

        // Another connection holds the session's row: the stream's open touches it, and waits in the database.
        await using var holder = new NpgsqlConnection(database.ConnectionString);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT 1 FROM sessions WHERE session_id = @id FOR UPDATE;", holder, transaction))
        {
            hold.Parameters.AddWithValue("id", locked);
            Assert.Equal(1, (int)(await hold.ExecuteScalarAsync())!);
        }
        await using var waiting = await server.OpenStreamAsync(locked);
        var held = waiting.DecideAsync(Events.Bash("git status", locked));
        await WaitUntilLockWaitsAsync(database);

        // Meanwhile other sessions are created, streamed and decided, and their events stored.
        for (var i = 0; i < 4; i++)
        {
            var other = Guid.NewGuid().ToString();
            await using var stream = await server.OpenStreamAsync(other);
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
