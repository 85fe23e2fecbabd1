using System.Net.Http.Json;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Metrics;
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
