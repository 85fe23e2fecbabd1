using Hookline.Contracts.V1;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal.Storage.Sqlite;

namespace Hookline.Server.Tests;

/// <summary>
/// The writer's statements outlive a batch (SQLite keeps them prepared on its one writer connection): a batch that
/// failed, or a schema changed in between, must leave the next batches writing as if nothing had happened.
/// </summary>
public abstract partial class StoreContractTests
{
    [SkippableFact]
    public async Task A_batch_rolled_back_before_its_commit_leaves_nothing_and_the_next_batches_store_and_chain_as_if_it_never_ran()
    {
        var store = await OpenAsync();
        var session = await AcmeSessionAsync(store);
        store.WriteBatch(Decided(session, 0, 3));
        var failing = Decided(session, 3, 4);
        ((AuditStore)store).BeforeCommit = () => throw new InvalidOperationException("the disk went away");
        Assert.Throws<InvalidOperationException>(() => store.WriteBatch(failing));
        ((AuditStore)store).BeforeCommit = null;

        Assert.Equal(0, store.WriteBatch(failing));
        store.WriteBatch(Decided(session, 7, 2));

        await AssertOneIntactSessionAsync(store, 9, "after a rolled-back batch");
    }

    [SkippableFact]
    public async Task A_statement_that_failed_halfway_through_a_batch_runs_again_in_the_next_batch()
    {
        var store = await OpenAsync();
        Skip.If(_database is not null, "the trigger is SQLite's: PostgreSQL prepares nothing across batches");
        var session = await AcmeSessionAsync(store);
        store.WriteBatch(Decided(session, 0, 2));
        // The third row of the batch's insert fails: the kept insert stops halfway, with rows of this batch behind it.
        var failing = Decided(session, 2, 5);
        await TamperAsync($"""
            CREATE TRIGGER refuse_one BEFORE INSERT ON events WHEN NEW.event_id = '{failing[2].Event.EventId}'
            BEGIN SELECT RAISE(ABORT, 'refused'); END;
            """);
        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => store.WriteBatch(failing));
        await TamperAsync("DROP TRIGGER refuse_one;");

        Assert.Equal(0, store.WriteBatch(failing));
        store.WriteBatch(Decided(session, 7, 3));

        await AssertOneIntactSessionAsync(store, 10, "after a statement failed halfway");
    }

    [SkippableFact]
    public async Task Batches_keep_storing_after_another_connection_changed_the_schema_between_them()
    {
        var store = await OpenAsync();
        var session = await AcmeSessionAsync(store);
        store.WriteBatch(Decided(session, 0, 3));

        await TamperAsync("CREATE INDEX events_by_agent ON events(agent, tool_name);");
        store.WriteBatch(Decided(session, 3, 3));
        await TamperAsync("DROP INDEX events_by_agent;");
        store.WriteBatch(Decided(session, 6, 3));

        await AssertOneIntactSessionAsync(store, 9, "across a schema change");
    }

    [SkippableFact]
    public async Task A_reopened_store_writes_on_from_where_the_last_one_stopped()
    {
        var first = await OpenAsync();
        var session = await AcmeSessionAsync(first);
        first.WriteBatch(Decided(session, 0, 3));
        first.Dispose();
        _stores.Remove(first);

        var reopened = await OpenAsync();
        reopened.WriteBatch(Decided(session, 3, 3));

        await AssertOneIntactSessionAsync(reopened, 6, "after a reopen");
    }

    [SkippableFact]
    public async Task The_writer_prepares_each_statement_once_however_many_batches_it_stores()
    {
        var store = await OpenAsync();
        Skip.If(_database is not null, "SQLite keeps the writer's statements");
        var session = await AcmeSessionAsync(store);
        store.WriteBatch(Decided(session, 0, 4), RollupBase, null, [new ReportedLatency(session, Guid.NewGuid().ToString(), 5)]);
        var kept = ((SqliteStore)store).KeptStatements;

        for (var i = 1; i <= 5; i++)
        {
            store.WriteBatch(Decided(session, i * 4, 4), RollupBase, null, [new ReportedLatency(session, Guid.NewGuid().ToString(), 5)]);
        }

        Assert.InRange(kept, 5, KeptCommands.MaxKept);
        Assert.Equal(kept, ((SqliteStore)store).KeptStatements);
    }

    [SkippableFact]
    public async Task A_call_ran_is_matched_to_its_own_sessions_decision_when_other_sessions_of_the_batch_use_its_id()
    {
        var store = await OpenAsync();
        var (a, b) = (await AcmeSessionAsync(store), await AcmeSessionAsync(store));
        var askedA = Events.Bash("git status", a);
        var askedB = Events.Bash("git log", b);
        store.WriteBatch([Record(askedA), Record(askedB)]);

        // Each session runs its own call; b also runs a call under a's id that it never asked about.
        HookEvent Ran(string session, string toolUseId)
        {
            var ran = Events.Bash("git status", session, decisionWanted: false);
            ran.ToolUseId = toolUseId;
            return ran;
        }
        var outcome = store.WriteBatch([Record(Ran(a, askedA.ToolUseId)), Record(Ran(b, askedB.ToolUseId)), Record(Ran(b, askedA.ToolUseId))],
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Assert.Single(outcome.Ungoverned);
    }

    [SkippableFact]
    public async Task The_writers_commits_reach_the_database_file_through_the_background_checkpoint_not_the_commit()
    {
        var store = await OpenAsync();
        Skip.If(_database is not null, "the WAL is SQLite's");
        var session = await AcmeSessionAsync(store);
        var sqlite = (SqliteStore)store;

        // One event writes a few pages: a trickle does not start a checkpoint (and its sync of the file) per commit.
        store.WriteBatch(Decided(session, 0, 1));
        Assert.Equal(0, sqlite.Checkpoints.Nudges);

        // Commits that add up to the nudge's pages, far under SQLite's automatic checkpoint: only the checkpoint thread
        // copies them into the file. Until it has, the file is shorter than the database it holds (the rest is in the WAL).
        var events = 1;
        while (sqlite.Checkpoints.Nudges == 0)
        {
            Assert.True(events < 2_000, "no checkpoint was started after 2,000 events");
            store.WriteBatch(Decided(session, events, 5));
            events += 5;
        }
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await FileHoldsAllPagesAsync(sqlite.DatabasePath))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the WAL was not checkpointed into the file ({sqlite.Checkpoints.Checkpoints} checkpoints)");
            await Task.Delay(20);
        }
        Assert.True(sqlite.Checkpoints.Checkpoints > 0);
        await AssertOneIntactSessionAsync(store, events, "after background checkpoints");
    }

    private static async Task<bool> FileHoldsAllPagesAsync(string databasePath)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_count;";
        var pages = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = "PRAGMA page_size;";
        var pageSize = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        return new FileInfo(databasePath).Length >= pages * pageSize;
    }

    /// <summary>The store holds one session of <paramref name="events"/> events, its chain intact, and the rollups count them all.</summary>
    private static async Task AssertOneIntactSessionAsync(IAuditStore store, long events, string what)
    {
        var report = await VerifyAsync(store);
        Assert.True(report.Intact, string.Join("; ", report.Broken));
        Assert.Equal((1L, events), (report.Sessions, report.Events));
        await AssertRollupsEqualEventsAsync(store, what);
    }

    /// <summary><paramref name="count"/> decided events of the session, the first at minute <paramref name="from"/> after <see cref="RollupBase"/>.</summary>
    private static List<AuditRecord> Decided(string session, int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new AuditRecord(
            RollupWorkload.At(Events.Bash($"echo {i}", session), RollupBase + (i * 60_000), "acme"),
            RollupWorkload.DecisionOf(i % 3 == 0 ? Verdict.Deny : Verdict.Allow, "r" + (i % 2)), RollupBase, null))];
}
