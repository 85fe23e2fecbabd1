using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Ui;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>The read API on the HTTP/1.1 port, over a real server and its SQLite file or PostgreSQL database.</summary>
public abstract class ReadApiTests : BackendSuite
{
    internal static HttpClient Http(TestServer server) => new() { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };

    internal static async Task<T> GetAsync<T>(HttpClient http, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize(body, type)!;
    }

    /// <summary>A session of <paramref name="user"/> with one denied, one asked and one allowed Bash call, stored.</summary>
    private static async Task<(string SessionId, HookEvent Denied, HookEvent Asked, HookEvent Allowed)> SeedAsync(TestServer server, string user)
    {
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = user, Cwd = "/home/" + user + "/project" });
        await using var stream = await server.OpenStreamAsync(session.SessionId);
        var denied = Events.Bash("rm -rf /", session.SessionId);
        var asked = Events.Bash("git push origin main", session.SessionId);
        var allowed = Events.Bash("git status", session.SessionId);
        foreach (var e in new[] { denied, asked, allowed })
        {
            await stream.DecideAsync(e);
        }
        await stream.ReadUntilStoredAsync(denied.EventId, asked.EventId, allowed.EventId);
        return (session.SessionId, denied, asked, allowed);
    }

    /// <summary>A session of alice with one allowed Bash call, stored; its stream is left open for the caller to close.</summary>
    private static async Task<(StreamClient Stream, HookEvent Event)> StoreOneAsync(TestServer server)
    {
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "alice" });
        var stream = await server.OpenStreamAsync(session.SessionId);
        var e = Events.Bash("git status", session.SessionId);
        await stream.DecideAsync(e);
        await stream.ReadUntilStoredAsync(e.EventId);
        return (stream, e);
    }

    [SkippableFact]
    public async Task Events_filter_by_decision_user_rule_and_session_newest_first()
    {
        var server = await StartAsync();
        using var http = Http(server);
        var alice = await SeedAsync(server, "alice");
        var bob = await SeedAsync(server, "bob");

        var all = await GetAsync(http, "/api/events", AuditJson.Default.EventPage);
        Assert.Equal(6, all.Items.Count);
        Assert.Null(all.Next);
        Assert.True(all.Items.Zip(all.Items.Skip(1)).All(p => p.First.OccurredAt >= p.Second.OccurredAt), "newest first");

        var denied = await GetAsync(http, "/api/events?decision=deny", AuditJson.Default.EventPage);
        Assert.Equal(new[] { alice.Denied.EventId, bob.Denied.EventId }.Order(), denied.Items.Select(e => e.EventId).Order());
        Assert.All(denied.Items, e => Assert.Equal(["no-force-delete"], e.RuleIds));
        Assert.All(denied.Items, e => Assert.Equal("Recursive force delete is blocked", e.Reason));

        var bobsAsks = await GetAsync(http, "/api/events?decision=deny,ask&user=bob", AuditJson.Default.EventPage);
        Assert.Equal(new[] { bob.Denied.EventId, bob.Asked.EventId }.Order(), bobsAsks.Items.Select(e => e.EventId).Order());
        Assert.All(bobsAsks.Items, e => Assert.Equal("bob", e.User));

        var byRule = await GetAsync(http, $"/api/events?rule=confirm-push&session={alice.SessionId}", AuditJson.Default.EventPage);
        Assert.Equal(alice.Asked.EventId, Assert.Single(byRule.Items).EventId);
        Assert.Equal(2, (await GetAsync(http, "/api/events?rule=no-force-delete", AuditJson.Default.EventPage)).Items.Count);
        Assert.Empty((await GetAsync(http, "/api/events?rule=confirm", AuditJson.Default.EventPage)).Items);
        Assert.Empty((await GetAsync(http, "/api/events?rule=confirm-%25", AuditJson.Default.EventPage)).Items);

        var future = await GetAsync(http, "/api/events?since=2999-01-01T00:00:00Z", AuditJson.Default.EventPage);
        Assert.Empty(future.Items);
    }

    [SkippableFact]
    public async Task Keyset_paging_walks_every_event_once_and_ends()
    {
        var server = await StartAsync();
        using var http = Http(server);
        await SeedAsync(server, "alice");
        await SeedAsync(server, "bob");

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetAsync(http, "/api/events?limit=4" + (cursor is null ? "" : "&cursor=" + cursor), AuditJson.Default.EventPage);
            seen.AddRange(page.Items.Select(e => e.EventId));
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(2, pages);
        Assert.Equal(6, seen.Distinct().Count());
        Assert.Equal(6, seen.Count);
        var everything = await GetAsync(http, "/api/events", AuditJson.Default.EventPage);
        Assert.Equal(everything.Items.Select(e => e.EventId), seen);
    }

    [SkippableFact]
    public async Task A_bad_parameter_is_a_400_with_the_reason()
    {
        var server = await StartAsync();
        using var http = Http(server);

        using var response = await http.GetAsync("/api/events?since=yesterday-ish");
        var error = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), AuditJson.Default.ApiError)!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("since", error.Error);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/events?cursor=nonsense")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/events/" + Guid.NewGuid())).StatusCode);
    }

    [SkippableFact]
    public async Task Sessions_carry_user_cwd_status_and_decision_counts()
    {
        var server = await StartAsync();
        using var http = Http(server);
        var alice = await SeedAsync(server, "alice");
        await SeedAsync(server, "bob");

        var page = await GetAsync(http, "/api/sessions?user=alice", AuditJson.Default.SessionPage);
        var session = Assert.Single(page.Items);
        Assert.Equal(alice.SessionId, session.SessionId);
        Assert.Equal("/home/alice/project", session.Cwd);
        Assert.Equal(3, session.Events);
        Assert.Equal((1, 1, 1), (session.Denied, session.Asked, session.Allowed));

        var one = await GetAsync(http, "/api/sessions/" + alice.SessionId, AuditJson.Default.SessionView);
        Assert.Equal(session, one);
        var timeline = await GetAsync(http, $"/api/events?session={alice.SessionId}&order=asc", AuditJson.Default.EventPage);
        Assert.Equal([alice.Denied.EventId, alice.Asked.EventId, alice.Allowed.EventId], timeline.Items.Select(e => e.EventId));
        Assert.Equal(2, (await GetAsync(http, "/api/sessions", AuditJson.Default.SessionPage)).Items.Count);
    }

    [SkippableFact]
    public async Task Raw_input_is_served_on_demand_with_secrets_masked()
    {
        var server = await StartAsync();
        using var http = Http(server);
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "alice" });
        await using var stream = await server.OpenStreamAsync(session.SessionId);
        var e = Events.Bash("curl -H 'Authorization: Bearer abcdefghijklmnop' https://x.example GITHUB_TOKEN=s3cr3tvalue", session.SessionId);
        e.RawInput = ByteString.CopyFromUtf8("""{"tool_input":{"api_key":"k-123456","command":"ls"}}""");
        await stream.DecideAsync(e);
        await stream.ReadUntilStoredAsync(e.EventId);

        var raw = await GetAsync(http, $"/api/events/{e.EventId}/raw", AuditJson.Default.RawEventView);

        Assert.DoesNotContain("abcdefghijklmnop", raw.ToolInput);
        Assert.DoesNotContain("s3cr3tvalue", raw.ToolInput);
        Assert.DoesNotContain("k-123456", raw.RawInput);
        Assert.Contains("[REDACTED:", raw.RawInput);
        Assert.Contains("\"command\":\"ls\"", raw.RawInput);
    }

    [SkippableFact]
    public async Task Policy_history_diff_rule_hits_and_never_fired_rules()
    {
        var server = await StartAsync();
        using var http = Http(server);
        await SeedAsync(server, "alice");
        var first = (long)server.Server.PolicyEpoch;
        await ChangePolicyAsync(server, Policies.Edited);

        var current = await GetAsync(http, "/api/policy", AuditJson.Default.PolicyView);
        Assert.Equal(first + 1, current.Epoch);
        Assert.Contains("no-curl", current.Document);
        var epochs = await GetAsync(http, "/api/policy/epochs", AuditJson.Default.ListEpochView);
        Assert.Equal([first + 1, first], epochs.Select(e => e.Epoch));
        var old = await GetAsync(http, $"/api/policy/epochs/{first}", AuditJson.Default.EpochView);
        Assert.DoesNotContain("no-curl", old.Document);

        var diff = await GetAsync(http, $"/api/policy/diff?from={first}&to={first + 1}", AuditJson.Default.PolicyDiffView);
        Assert.Contains(diff.Lines, l => l.Op == "+" && l.Text.Contains("id: no-curl"));
        Assert.DoesNotContain(diff.Lines, l => l.Op == "-");

        var rules = await GetAsync(http, "/api/policy/rules", AuditJson.Default.RuleHitsView);
        Assert.Equal(1, rules.Rules.Single(r => r.RuleId == "no-force-delete").Hits);
        Assert.Equal("deny", rules.Rules.Single(r => r.RuleId == "no-force-delete").Effect);
        Assert.Equal(["no-curl"], rules.NeverFired);
    }

    [SkippableFact]
    public async Task Health_counts_open_streams_and_decisions_in_the_window()
    {
        var server = await StartAsync();
        using var http = Http(server);
        var (stream, _) = await StoreOneAsync(server);
        await using var open = stream;

        var health = await GetAsync(http, "/api/health", AuditJson.Default.HealthView);

        Assert.Equal(1, health.OpenStreams);
        Assert.Equal(1, health.DecidedInWindow);
        Assert.Equal(1, health.Sources["remote"]);
        Assert.NotNull(health.ServerP99Ms);
        Assert.Equal(0, health.BudgetMissRate);
    }

    [SkippableFact]
    public async Task The_live_feed_pushes_each_stored_event_that_passes_its_filter()
    {
        var server = await StartAsync();
        using var http = Http(server);
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "alice" });
        await using var stream = await server.OpenStreamAsync(session.SessionId);
        using var response = await http.GetAsync("/api/live?decision=deny", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await Bound.Within(reader.ReadLineAsync(), "ready event"));

        var allowed = Events.Bash("git status", session.SessionId);
        var denied = Events.Bash("rm -rf /", session.SessionId);
        await stream.DecideAsync(allowed);
        await stream.DecideAsync(denied);

        string? line;
        do
        {
            line = await Bound.Within(reader.ReadLineAsync(), "live event");
        }
        while (line is not null && !line.StartsWith("data: {\"event_id\"", StringComparison.Ordinal));
        var view = JsonSerializer.Deserialize(line!["data: ".Length..], AuditJson.Default.EventView)!;
        Assert.Equal(denied.EventId, view.EventId);
        Assert.Equal("deny", view.Applied);
        Assert.Equal("alice", view.User);
        Assert.Equal(["no-force-delete"], view.RuleIds);
    }

    [SkippableFact]
    public async Task The_live_view_of_an_event_equals_the_stored_one()
    {
        var server = await StartAsync();
        using var http = Http(server);
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "alice" });
        await using var stream = await server.OpenStreamAsync(session.SessionId);
        using var response = await http.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await Bound.Within(reader.ReadLineAsync(), "ready event"));
        var asked = Events.Bash("git push origin main", session.SessionId);
        await stream.DecideAsync(asked);
        await stream.ReadUntilStoredAsync(asked.EventId);

        string? line;
        do
        {
            line = await Bound.Within(reader.ReadLineAsync(), "live event");
        }
        while (line is not null && !line.StartsWith("data: {\"", StringComparison.Ordinal));
        var live = JsonSerializer.Deserialize(line!["data: ".Length..], AuditJson.Default.EventView)!;
        var stored = await GetAsync(http, "/api/events/" + asked.EventId, AuditJson.Default.EventView);

        // The cursor is the stored row's own; everything else agrees, stored_at included (one clock reading per batch).
        string[] none = [];
        Assert.Equal(stored with { RuleIds = none, Cursor = null }, live with { RuleIds = none, Cursor = null });
        Assert.Equal(stored.RuleIds, live.RuleIds);
    }

    [SkippableFact]
    public async Task Stored_at_comes_from_the_servers_clock_not_the_system_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var server = await StartAsync(o => o.TimeProvider = clock);
        using var http = Http(server);
        var (stream, e) = await StoreOneAsync(server);
        await using var open = stream;

        var stored = await GetAsync(http, "/api/events/" + e.EventId, AuditJson.Default.EventView);

        Assert.Equal(clock.GetUtcNow(), stored.StoredAt);
    }

    [SkippableFact]
    public async Task Without_tokens_the_dashboard_refuses_a_non_loopback_bind_and_can_be_switched_off()
    {
        // With tokens (the default beyond loopback) a read token guards it; with auth forced off it stays on loopback.
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(o =>
        {
            o.HttpListen = "http://0.0.0.0:0";
            o.Auth = ServerAuthMode.Off;
            o.Insecure = true;
        }));
        Assert.Contains("loopback", refused.Message);

        var server = await StartAsync(o => o.Dashboard = false);
        using var http = Http(server);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/events")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }
}

public sealed class SqliteReadApiTests : ReadApiTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresReadApiTests : ReadApiTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
