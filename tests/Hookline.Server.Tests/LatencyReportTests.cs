using System.Net.Http.Json;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Grpc;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal.Storage;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Server.Tests;

/// <summary>
/// Latencies a sidecar reports on its stream, through a real server (Kestrel) into its SQLite file or PostgreSQL
/// database: stored for the stream's own session only, whatever ids a hostile stream names, and read back by the API.
/// </summary>
public abstract class LatencyReportTests : BackendSuite
{
    private static ProcessHookEventRequest Report(params (string EventId, uint LatencyUs)[] items)
    {
        var message = new DecisionLatencies();
        message.Items.Add(items.Select(i => new DecisionLatency { EventId = i.EventId, LatencyUs = i.LatencyUs }));
        return new ProcessHookEventRequest { Latencies = message };
    }

    private static Task<long> ReportedAsync(TestServer server, string eventId) => server.ScalarAsync<long>(
        "SELECT COALESCE(reported_latency_us, -1) FROM events WHERE event_id = @id", ("@id", eventId));

    /// <summary>A remote decision of a new stream of <paramref name="sessionId"/>, stored (acknowledged).</summary>
    private static async Task<HookEvent> StoredRemoteAsync(StreamClient stream, string sessionId)
    {
        var hookEvent = Events.Bash("git status", sessionId);
        Assert.Equal(Verdict.Allow, (await stream.DecideAsync(hookEvent)).Verdict);
        await stream.ReadUntilStoredAsync(hookEvent.EventId);
        return hookEvent;
    }

    [SkippableFact]
    public async Task A_stream_fills_in_latencies_of_its_own_session_only_and_the_read_api_shows_them()
    {
        var server = await StartAsync();
        var victim = Guid.NewGuid().ToString();
        await using var victims = await server.OpenStreamAsync(victim);
        await victims.NextSnapshotAsync();
        var victimsEvent = await StoredRemoteAsync(victims, victim);

        var attacker = Guid.NewGuid().ToString();
        await using var hostile = await server.OpenStreamAsync(attacker);
        await hostile.NextSnapshotAsync();
        var own = await StoredRemoteAsync(hostile, attacker);
        // One message naming the victim's event and its own: an update by event id alone would fill in both.
        await hostile.SendAsync(Report((victimsEvent.EventId, 999_000), (own.EventId, 1_800)));

        await Eventually.TrueAsync(async () => await ReportedAsync(server, own.EventId) >= 0, "the stream's own latency stored");
        Assert.Equal(1_800, await ReportedAsync(server, own.EventId));
        Assert.Equal(-1, await ReportedAsync(server, victimsEvent.EventId));

        using var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };
        var view = await http.GetFromJsonAsync($"/api/events/{own.EventId}", AuditJson.Default.EventView);
        Assert.Equal((1_800L, "remote"), (view!.LatencyUs, view.Source));
        var victimsView = await http.GetFromJsonAsync($"/api/events/{victimsEvent.EventId}", AuditJson.Default.EventView);
        Assert.Null(victimsView!.LatencyUs);
    }

    [SkippableFact]
    public async Task Oversized_and_malformed_reports_are_dropped_counted_and_the_stream_goes_on()
    {
        var server = await StartAsync();
        var session = Guid.NewGuid().ToString();
        await using var stream = await server.OpenStreamAsync(session);
        await stream.NextSnapshotAsync();
        var first = await StoredRemoteAsync(stream, session);
        var second = await StoredRemoteAsync(stream, session);
        var third = await StoredRemoteAsync(stream, session);
        var metrics = server.Service<ServerMetrics>();
        var droppedBefore = metrics.LatenciesDroppedCount;

        // Over 256 items: ignored whole, its valid item included.
        var tooMany = Report([(first.EventId, 10), .. Enumerable.Range(0, 256).Select(_ => (Guid.NewGuid().ToString(), 1u))]);
        await stream.SendAsync(tooMany);
        // Ids that are not UUIDs (a huge one, an upper-case one): skipped, the valid item of the message stored.
        await stream.SendAsync(Report((new string('a', 64 * 1024), 5), (second.EventId.ToUpperInvariant(), 6), (third.EventId, 3_300)));
        await stream.RoundTripAsync();

        await Eventually.TrueAsync(async () => await ReportedAsync(server, third.EventId) >= 0, "the valid latency stored");
        Assert.Equal(3_300, await ReportedAsync(server, third.EventId));
        Assert.Equal(-1, await ReportedAsync(server, first.EventId));
        Assert.Equal(-1, await ReportedAsync(server, second.EventId));
        Assert.Equal(257 + 2, metrics.LatenciesDroppedCount - droppedBefore);
        // The stream still decides.
        Assert.Equal(Verdict.Deny, (await stream.DecideAsync(Events.Bash("rm -rf /", session))).Verdict);
    }

    [SkippableFact]
    public async Task A_flood_of_ids_the_stream_was_not_answered_for_is_refused_and_another_sessions_latency_is_stored()
    {
        var server = await StartAsync();
        var victim = Guid.NewGuid().ToString();
        await using var victims = await server.OpenStreamAsync(victim);
        await victims.NextSnapshotAsync();
        var real = await StoredRemoteAsync(victims, victim);
        await using var hostile = await server.OpenStreamAsync(Guid.NewGuid().ToString());
        await hostile.NextSnapshotAsync();
        var metrics = server.Service<ServerMetrics>();
        var droppedBefore = metrics.LatenciesDroppedCount;
        // The writer held retrying a failing insert: nothing drains the writer's shared buffer of latencies meanwhile.
        await WriterIsolationTests.FailInsertsAsync(server);
        await victims.SendAsync(Events.Bash("ls", victim, decisionWanted: false));
        await WriterIsolationTests.PollAsync(server, "/metrics", m => m.Contains("\nhookline_audit_writer_degraded 1\n"), "the writer retrying");

        // More random ids than the buffer holds, in messages of the most items allowed.
        const int Messages = AuditWriter.MaxHeldLatencies / LatencyReports.MaxItems + 1;
        for (var i = 0; i < Messages; i++)
        {
            await hostile.SendAsync(Report([.. Enumerable.Range(0, LatencyReports.MaxItems).Select(_ => (Guid.NewGuid().ToString(), 1u))]));
        }
        await hostile.RoundTripAsync();
        await victims.SendAsync(Report((real.EventId, 2_400)));
        await victims.RoundTripAsync();
        await WriterIsolationTests.RecoverAsync(server);

        await Eventually.TrueAsync(async () => await ReportedAsync(server, real.EventId) >= 0, "the victim's latency stored");
        Assert.Equal(2_400, await ReportedAsync(server, real.EventId));
        Assert.Equal(Messages * LatencyReports.MaxItems, metrics.LatenciesDroppedCount - droppedBefore);
    }

    [SkippableFact]
    public async Task Only_events_the_stream_was_answered_remotely_take_a_latency_and_each_once()
    {
        var server = await StartAsync();
        var session = Guid.NewGuid().ToString();
        await using var stream = await server.OpenStreamAsync(session);
        await stream.NextSnapshotAsync();
        var remote = await StoredRemoteAsync(stream, session);
        // Not waiting for a decision (a PostToolUse), and one the sidecar answered itself (replayed with its local decision).
        var nonBlocking = Events.Bash("ls", session, decisionWanted: false);
        var local = Events.Bash("git log", session, decisionWanted: false);
        local.Applied = new AppliedDecision { Verdict = Verdict.Allow, Source = DecisionSource.Local, Reason = "offline", LatencyUs = 90 };
        await stream.SendAsync(nonBlocking);
        await stream.SendAsync(local);
        await stream.ReadUntilStoredAsync(nonBlocking.EventId, local.EventId);
        var metrics = server.Service<ServerMetrics>();
        var droppedBefore = metrics.LatenciesDroppedCount;

        await stream.SendAsync(Report((nonBlocking.EventId, 11), (local.EventId, 12), (remote.EventId, 4_000)));
        // The same event again: accepted once.
        await stream.SendAsync(Report((remote.EventId, 5_000)));
        await stream.RoundTripAsync();

        await Eventually.TrueAsync(async () => await ReportedAsync(server, remote.EventId) >= 0, "the remote decision's latency stored");
        Assert.Equal(4_000, await ReportedAsync(server, remote.EventId));
        Assert.Equal(-1, await ReportedAsync(server, nonBlocking.EventId));
        Assert.Equal(90, await server.ScalarAsync<long>("SELECT COALESCE(applied_latency_us, reported_latency_us, -1) FROM events WHERE event_id = @id",
            ("@id", local.EventId)));
        Assert.Equal(-1, await ReportedAsync(server, local.EventId));
        Assert.Equal(3, metrics.LatenciesDroppedCount - droppedBefore);
    }

    [SkippableFact]
    public async Task Latencies_before_the_streams_open_are_dropped()
    {
        var server = await StartAsync();
        var session = Guid.NewGuid().ToString();
        await using var stream = await server.OpenStreamAsync(session);
        await stream.NextSnapshotAsync();
        var stored = await StoredRemoteAsync(stream, session);
        await using var unopened = new StreamClient(server.Client.ProcessHookEvent());
        var metrics = server.Service<ServerMetrics>();
        var droppedBefore = metrics.LatenciesDroppedCount;

        await unopened.SendAsync(Report((stored.EventId, 42)));
        await unopened.SendAsync(new ProcessHookEventRequest { Ping = new Ping { Nonce = 1 } });
        await unopened.ReadUntilAsync(m => m.KindCase == Kind.Pong);

        Assert.Equal(1, metrics.LatenciesDroppedCount - droppedBefore);
        Assert.Equal(-1, await ReportedAsync(server, stored.EventId));
    }
}

public sealed class SqliteLatencyReportTests : LatencyReportTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresLatencyReportTests : LatencyReportTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
