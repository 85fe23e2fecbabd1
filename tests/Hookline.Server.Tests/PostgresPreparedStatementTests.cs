using Hookline.Contracts.V1;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal.Storage.Postgres;

namespace Hookline.Server.Tests;

/// <summary>The PostgreSQL writer's statements are parsed and planned once per connection, not once per batch.</summary>
public sealed class PostgresPreparedStatementTests
{
    [SkippableFact]
    public async Task The_batch_statements_are_prepared_on_the_writers_connection_and_kept_when_it_goes_back_to_the_pool()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var store = new PostgresStore(database.ConnectionString);
        var session = Guid.NewGuid().ToString();
        for (var i = 0; i < 3; i++)
        {
            store.WriteBatch([Record(Events.Bash($"echo {i}", session)), Record(Events.Bash($"ls {i}", session))]);
        }

        // Nothing else opened a connection: the pool hands back the one the batches ran on, as they left it.
        using var connection = store.Open();
        using var prepared = connection.CreateCommand();
        prepared.CommandText = """
            SELECT COUNT(*) FILTER (WHERE statement LIKE '%INSERT INTO events%'), COUNT(*) FILTER (WHERE statement LIKE '%INSERT INTO tool_calls%')
            FROM pg_prepared_statements;
            """;
        using var reader = prepared.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal((1L, 1L), (reader.GetInt64(0), reader.GetInt64(1)));
        Assert.True((await store.Reader.VerifyAsync()).Intact);
    }

    private static AuditRecord Record(HookEvent hookEvent) => new(hookEvent,
        new Decision { Verdict = Verdict.Allow, Evaluated = Verdict.Allow, PolicyEpoch = 1, RuleIds = { "r1" } },
        DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Ack: null);
}
