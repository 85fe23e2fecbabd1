using System.Data.Common;
using System.Text.RegularExpressions;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal.Ui;

namespace Hookline.Server.Tests;

/// <summary>
/// The plans of the reads whose index the write path shares with others (schema step 12 on SQLite, 16 on PostgreSQL):
/// the queries the read API really runs, asked for their plan, so a later index change cannot silently make one scan
/// the events table.
/// </summary>
public abstract partial class StoreContractTests
{
    [SkippableFact]
    public async Task Every_read_of_one_sessions_events_and_verdict_counts_searches_an_index_on_the_session()
    {
        var store = await OpenAsync();
        Dashboard.Prepare(store);
        var session = Guid.NewGuid().ToString();
        store.WriteBatch([.. Burst(session, 30), .. Burst(Guid.NewGuid().ToString(), 30)]);
        var reader = (AuditReader)store.Reader;
        var reads = new List<(string Sql, (string Name, object? Value)[] Parameters)>();
        reader.Reading = command => reads.Add((command.CommandText,
            [.. command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value))]));

        var first = await reader.EventsAsync(new EventFilter(Session: session), org: null, cursor: null, limit: 10);
        Assert.Equal(10, first.Items.Count);
        Assert.Equal(10, (await reader.EventsAsync(new EventFilter(Session: session), org: null, first.Next, limit: 10)).Items.Count);
        await reader.EventsAsync(new EventFilter(Decisions: ["deny"], Session: session), org: null, cursor: null, limit: 10);
        await reader.SessionsAsync(SessionFilter.All, org: null, cursor: null, limit: 10);
        reader.Reading = null;

        Assert.Equal(4, reads.Count);
        foreach (var (sql, parameters) in reads)
        {
            var plan = await ExplainAsync(sql, parameters);
            if (_database is null)
            {
                // Every step on events is a search by the session, none a scan of the table or of another index.
                var onEvents = plan.Split('\n').Where(line => Regex.IsMatch(line, @"\b(SCAN|SEARCH) e\b")).ToList();
                Assert.NotEmpty(onEvents);
                Assert.All(onEvents, line => Assert.Matches(@"SEARCH e USING (COVERING )?INDEX events_session_\w+ \(session_id=\?", line));
            }
            else
            {
                // With sequential and bitmap scans priced out, a plan that can only scan the table still would.
                Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
                var indexes = Regex.Matches(plan, @"using (\w+) on events").Select(m => m.Groups[1].Value).ToList();
                Assert.NotEmpty(indexes);
                Assert.All(indexes, index => Assert.StartsWith("events_session_", index, StringComparison.Ordinal));
                Assert.Contains("session_id = ", plan, StringComparison.Ordinal);
            }
        }
    }

    [SkippableFact]
    public async Task A_database_with_the_two_session_indexes_of_before_keeps_one_that_serves_both_after_the_upgrade()
    {
        var store = await OpenAsync();
        Dashboard.Prepare(store);
        var session = Guid.NewGuid().ToString();
        store.WriteBatch(Burst(session, 5));
        store.Dispose();
        // Back to the indexes before SQLite step 12 (PostgreSQL step 16), with the events kept.
        await TamperAsync(_database is null
            ? """
              DROP INDEX events_session_time_verdict; CREATE INDEX events_session_time ON events(session_id, event_time_ms);
              CREATE INDEX events_session_applied ON events(session_id, applied_verdict);
              DELETE FROM schema_version WHERE version >= 12; PRAGMA user_version = 11;
              """
            : """
              DROP INDEX events_session_time_verdict; CREATE INDEX events_session_time_seq ON events(session_id, event_time_ms, seq);
              CREATE INDEX events_session_applied ON events(session_id, applied_verdict);
              DELETE FROM schema_version WHERE version >= 16;
              """);
        Assert.Contains("events_session_applied", await EventIndexesAsync());

        var upgraded = await OpenAsync();
        Dashboard.Prepare(upgraded);

        var indexes = await EventIndexesAsync();
        Assert.Contains("events_session_time_verdict", indexes);
        Assert.DoesNotContain("events_session_applied", indexes);
        Assert.DoesNotContain(_database is null ? "events_session_time" : "events_session_time_seq", indexes);
        Assert.Equal(5, (await upgraded.Reader.EventsAsync(new EventFilter(Session: session), org: null, cursor: null, limit: 10)).Items.Count);
    }

    /// <summary>The names of the indexes on the events table.</summary>
    private async Task<List<string>> EventIndexesAsync()
    {
        var names = new List<string>();
        if (_database is not null)
        {
            await using var pg = new Npgsql.NpgsqlConnection(_database.ConnectionString);
            await pg.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT indexname FROM pg_indexes WHERE tablename = 'events';", pg);
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                names.Add(rows.GetString(0));
            }
            return names;
        }
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir!.File("data/hookline.db")};Pooling=False");
        await connection.OpenAsync();
        await using var sqlite = connection.CreateCommand();
        sqlite.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events';";
        await using var reader = await sqlite.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }
}
