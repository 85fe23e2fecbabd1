using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary><c>/metrics</c>: Prometheus text counters that follow what the server decided and stored.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_count_decisions_storage_and_duplicates()
    {
        await using var server = await TestServer.StartAsync(Policies.Standard, o => o.HttpListen = "http://127.0.0.1:0");
        await using var stream = await server.OpenStreamAsync();
        var deny = Events.Bash("rm -rf /");
        var ask = Events.Bash("git push origin main");
        await stream.DecideAsync(deny);
        await stream.DecideAsync(ask);
        await stream.ReadUntilStoredAsync(deny.EventId, ask.EventId);
        // The sidecar lost the ack and resends one event: stored once, counted as a duplicate.
        var replay = deny.Clone();
        replay.DecisionWanted = false;
        stream.Stored.Clear();
        await stream.SendAsync(replay);
        await stream.ReadUntilStoredAsync(replay.EventId);
        using var http = new HttpClient { Timeout = Bound.Hang };

        using var response = await http.GetAsync(new Uri(new Uri(server.Server.HttpAddress!), "/metrics"));
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');

        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("hookline_decisions_total{effect=\"deny\",source=\"remote\"} 1", lines);
        Assert.Contains("hookline_decisions_total{effect=\"ask\",source=\"remote\"} 1", lines);
        Assert.Contains("hookline_decisions_total{effect=\"allow\",source=\"remote\"} 0", lines);
        Assert.Contains("hookline_stored_events_total 3", lines);
        Assert.Contains("hookline_duplicate_events_total 1", lines);
        Assert.Contains("hookline_open_streams 1", lines);
        Assert.Contains($"hookline_policy_epoch {server.Server.PolicyEpoch}", lines);
        Assert.Contains("hookline_decision_seconds_count 2", lines);
        Assert.Contains(lines, l => l.StartsWith("hookline_decision_seconds_bucket{le=\"+Inf\"} 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_decision_source_without_a_series_of_its_own_is_counted_under_its_name_not_another()
    {
        await using var server = await TestServer.StartAsync(Policies.Standard, o => o.HttpListen = "http://127.0.0.1:0");
        var metrics = server.Service<Internal.Metrics.ServerMetrics>();
        // A source newer than the list of series /metrics declares (here one Names.Of calls "unspecified").
        metrics.Applied((DecisionSource)42);
        metrics.Applied(DecisionSource.Local);
        using var http = new HttpClient { Timeout = Bound.Hang };

        var lines = (await http.GetStringAsync(new Uri(new Uri(server.Server.HttpAddress!), "/metrics"))).Split('\n');

        Assert.Contains("hookline_applied_events_total{source=\"unspecified\"} 1", lines);
        Assert.Contains("hookline_applied_events_total{source=\"local\"} 1", lines);
        Assert.Contains("hookline_applied_events_total{source=\"malformed_input\"} 0", lines);
    }
}
