using System.Collections.Concurrent;
using System.Net.Http.Json;
using Hookline.Contracts.V1;
using Hookline.Server;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The hook's wait for a remote decision, which only the sidecar knows: reported in batches once the events are
/// stored, and shown by the server's read API (what <c>hookline events --json</c> prints).
/// </summary>
public sealed class RemoteLatencyTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_real_server_shows_every_remote_decisions_latency_as_the_sidecar_measured_it()
    {
        await using var server = await TestServer.StartAsync(_dir, o => o.HttpListen = "http://127.0.0.1:0");
        await using var sidecar = await server.StartSidecarAsync(_dir, o => o.HttpHooks = false);
        var decisions = new ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;

        foreach (var command in new[] { "git status", "rm -rf /tmp/x", "git push origin main", "ls -la", "git status" })
        {
            await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(command));
        }

        using var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress!), Timeout = Bound.Hang };
        Assert.Equal(5, decisions.Count);
        foreach (var decision in decisions)
        {
            Assert.Equal("remote", decision.Source);
            // Not found until stored (the server answers first), then without a latency until the sidecar reports it.
            var view = await Eventually.FoundAsync(async () =>
            {
                using var response = await http.GetAsync($"/api/events/{decision.EventId}");
                return response.IsSuccessStatusCode
                    && await response.Content.ReadFromJsonAsync(AuditJson.Default.EventView) is { LatencyUs: not null } stored ? stored : null;
            }, Bound.Hang, () => $"no latency for {decision.EventId}");
            Assert.Equal((decision.LatencyMicroseconds, "remote"), (view.LatencyUs!.Value, view.Source));
        }
    }

    [Fact]
    public async Task A_clean_stop_reports_the_held_latencies_without_waiting_for_a_tick()
    {
        var server = await TestServer.StartAsync(_dir);
        var sidecar = await server.StartSidecarAsync(_dir, o => (o.HttpHooks, o.LatencyReportInterval) = (false, TimeSpan.FromHours(1)));
        var decisions = new ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;
        await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));

        // As hookline demo, start and sidecar end: flush, then stop the sidecar and the server at once.
        Assert.True(await sidecar.FlushAsync(Bound.Hang));
        await sidecar.DisposeAsync();
        await server.DisposeAsync();

        var decision = Assert.Single(decisions);
        var stored = await server.RowsAsync($"SELECT CAST(reported_latency_us AS TEXT) FROM events WHERE event_id = '{decision.EventId}'");
        Assert.Equal(decision.LatencyMicroseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(stored));
    }

    [Fact]
    public async Task Many_remote_decisions_are_reported_in_few_messages_and_only_once_their_events_are_stored()
    {
        await using var server = await ApprovalServer.StartAsync();
        server.Decide = e => new Decision
        {
            CorrelationId = e.CorrelationId, EventId = e.EventId, Verdict = Verdict.Allow, Evaluated = Verdict.Allow,
            ReasonCode = "rule", RuleIds = { "git-read" }, PolicyEpoch = 1,
        };
        // A minute ahead: the sidecar's gRPC deadlines come from this clock and must not be in the past.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1));
        await using var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = server.Url,
            SocketPath = _dir.File("hook.sock"),
            StateDirectory = _dir.File("state"),
            OrphanFile = _dir.File("orphans.jsonl"),
            TimeProvider = time,
            WarmupTimeout = TimeSpan.FromSeconds(10),
            // Only the report timer ticks in this test, when it advances the clock.
            PingInterval = TimeSpan.FromHours(1),
            LatencyReportInterval = TimeSpan.FromSeconds(1),
        });
        var decisions = new ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;
        await server.Opens.Reader.ReadAsync(Bound.Token());

        const int Hooks = 600;
        await Parallel.ForEachAsync(Enumerable.Range(0, Hooks), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
            await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status")));
        Assert.All(decisions, d => Assert.Equal("remote", d.Source));
        var ids = decisions.Select(d => d.EventId).ToArray();
        Assert.Equal(Hooks, ids.Length);
        var unstored = ids[0];
        Assert.True(server.Acknowledge(ids[1..]));
        await Eventually.TrueAsync(() => sidecar.UnacknowledgedEvents == 1, "the acknowledgements taken");
        // The clock has not moved: no message went out per decision.
        Assert.False(server.Latencies.Reader.TryPeek(out _));

        var reported = await ReportedAsync(server, time, Hooks - 1);
        Assert.InRange(reported.Count, 3, 4); // ceil(599 / 256), and one more if an ack landed between two ticks
        Assert.All(reported, m => Assert.InRange(m.Items.Count, 1, 256));
        Assert.DoesNotContain(reported.SelectMany(m => m.Items), i => i.EventId == unstored);

        // The last event's latency follows its acknowledgement.
        Assert.True(server.Acknowledge(unstored));
        await Eventually.TrueAsync(() => sidecar.UnacknowledgedEvents == 0, "the last acknowledgement taken");
        var last = await ReportedAsync(server, time, 1);
        Assert.Equal(unstored, Assert.Single(Assert.Single(last).Items).EventId);

        var measured = decisions.ToDictionary(d => d.EventId, d => d.LatencyMicroseconds);
        var items = reported.Concat(last).SelectMany(m => m.Items).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), items.Select(i => i.EventId).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.Equal(measured[i.EventId], i.LatencyUs));
    }

    /// <summary>Moves the clock a tick at a time until <paramref name="expected"/> items arrived; returns their messages.</summary>
    private static async Task<List<DecisionLatencies>> ReportedAsync(ApprovalServer server, FakeTimeProvider time, int expected)
    {
        var messages = new List<DecisionLatencies>();
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() =>
        {
            while (server.Latencies.Reader.TryRead(out var message))
            {
                messages.Add(message);
            }
            var count = messages.Sum(m => m.Items.Count);
            if (count < expected)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }
            return count >= expected;
        }, $"{expected} latencies reported");
        return messages;
    }
}
