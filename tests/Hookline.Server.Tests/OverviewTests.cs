using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>
/// <c>/api/overview</c> and <c>/ui/overview</c> through a real server and its SQLite file or PostgreSQL database, events
/// stored through the decision stream: counts equal the events listed for the same range, the range is parsed (and a
/// bad one refused with its reason), a read token of an org sees its org only (never-fired rules and pending approvals
/// included), and the page shows hostile rule ids, users and tool names as text with links that carry the filter.
/// </summary>
public abstract class OverviewTests : BackendSuite
{
    private static HttpClient Http(TestServer server, string? token = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    private static async Task DecideAllAsync(TestServer server, string? token, string sessionId, params (string Command, Verdict Expected)[] commands)
    {
        var stream = new StreamClient(server.ClientWith(token).ProcessHookEvent());
        await using (stream)
        {
            await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = sessionId, SidecarVersion = "test", Agent = "claude" } });
            await stream.NextSnapshotAsync();
            var events = new List<string>();
            foreach (var (command, expected) in commands)
            {
                var hookEvent = Events.Bash(command, sessionId);
                Assert.Equal(expected, (await stream.DecideAsync(hookEvent)).Verdict);
                events.Add(hookEvent.EventId);
            }
            await stream.ReadUntilStoredAsync([.. events]);
        }
    }

    private static async Task<OverviewView> OverviewAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync("/api/overview" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(OverviewJson.Default.OverviewView))!;
    }

    /// <summary>The decided events /api/events lists for the overview's own range, by applied verdict.</summary>
    private static async Task<Dictionary<string, int>> ListedAsync(HttpClient http, OverviewView view)
    {
        var range = new EventFilter(Since: view.From, Until: view.To).ToQuery();
        var page = (await http.GetFromJsonAsync("/api/events?limit=1000&" + range, AuditJson.Default.EventPage))!;
        return page.Items.Where(e => e.Applied is not null).GroupBy(e => e.Applied!).ToDictionary(g => g.Key, g => g.Count());
    }

    [SkippableFact]
    public async Task The_api_counts_what_the_events_list_for_its_range_and_a_read_token_of_an_org_sees_only_its_org()
    {
        var desk = new FakeApprovalDesk(TimeProvider.System);
        var server = await StartAsync(o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.ApprovalDesk = desk;
        });
        var location = Location(server);
        var acmeSidecar = Tokens.Create(location, "acme-laptop", TokenScope.Sidecar, "alice", "acme").Token;
        var globexSidecar = Tokens.Create(location, "globex-laptop", TokenScope.Sidecar, "bob", "globex").Token;
        using var acme = Http(server, Tokens.Create(location, "acme-read", TokenScope.Read, "auditor", "acme").Token);
        using var everyOrg = Http(server, Tokens.Create(location, "platform-read", TokenScope.Read, null, null).Token);
        desk.Add("kubectl apply -f prod.yaml", org: "acme");
        desk.Add("kubectl apply -f prod.yaml", org: "globex");

        await DecideAllAsync(server, acmeSidecar, Guid.NewGuid().ToString(),
            ("git status", Verdict.Allow), ("rm -rf /", Verdict.Deny), ("rm -rf /tmp/x", Verdict.Deny), ("ls", Verdict.Allow));
        await DecideAllAsync(server, globexSidecar, Guid.NewGuid().ToString(), ("rm -rf /", Verdict.Deny), ("git push origin main", Verdict.Ask));

        var mine = await OverviewAsync(acme, "?range=1h");
        Assert.Equal(60, mine.BucketSeconds);
        Assert.InRange((mine.To - mine.From).TotalMinutes, 60, 61); // an hour, widened to whole minutes
        Assert.Equal((4, 2, 2, 0), (mine.Totals.Decided, mine.Totals.Allow, mine.Totals.Deny, mine.Totals.Ask));
        Assert.Equal(0.5, mine.Totals.DenyRate);
        var listed = await ListedAsync(acme, mine);
        Assert.Equal(listed.Values.Sum(), mine.Totals.Decided);
        Assert.Equal(listed.GetValueOrDefault("deny"), mine.Totals.Deny);
        Assert.Equal(4, mine.Timeline.Sum(b => b.Verdicts.Values.Sum()));
        Assert.Equal((int)(mine.To - mine.From).TotalMinutes, mine.Timeline.Count);
        Assert.Equal(new TopEntry("no-force-delete", 2, 0, 2), Assert.Single(mine.TopRules));
        Assert.Equal(new TopEntry("alice", 2, 0, 4), Assert.Single(mine.TopUsers));
        Assert.Equal("Bash", Assert.Single(mine.TopTools).Key);
        Assert.Equal(["confirm-push"], mine.NeverFired); // globex's push is not acme's
        Assert.Equal(1, mine.PendingApprovals);
        Assert.Equal(4, Assert.Single(mine.Latency).Count);

        var all = await OverviewAsync(everyOrg, "");
        Assert.InRange((all.To - all.From).TotalMinutes, 24 * 60, 24 * 60 + 1); // the default range
        Assert.Equal((6, 3, 1), (all.Totals.Decided, all.Totals.Deny, all.Totals.Ask));
        Assert.Equal((await ListedAsync(everyOrg, all)).Values.Sum(), all.Totals.Decided);
        Assert.Empty(all.NeverFired);
        Assert.Equal(2, all.PendingApprovals);
        Assert.Equal(["no-force-delete", "confirm-push"], all.TopRules.Select(r => r.Key));

        // A custom range in the event filter's syntax; one that ended before the events counts none of them.
        var custom = await OverviewAsync(acme, "?since=2h&until=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O")));
        Assert.Equal(4, custom.Totals.Decided);
        Assert.Equal((7200, 21600), ((await OverviewAsync(acme, "?range=7d")).BucketSeconds, (await OverviewAsync(acme, "?range=30d")).BucketSeconds));
        var past = await OverviewAsync(acme, "?since=2025-01-01T00:00:00Z&until=2025-01-02T00:00:00Z");
        Assert.Equal((0, 86400 / 900), (past.Totals.Decided, past.Timeline.Count));
        Assert.Equal(["confirm-push", "git-status", "no-force-delete"], past.NeverFired.Order());

        foreach (var (query, reason) in new[]
        {
            ("?range=2h", "range: expected one of 1h, 24h, 7d, 30d"),
            ("?since=soon", "since: expected an ISO 8601 time"),
            ("?since=1h&until=2h", "the range must end after it starts"),
            ("?since=100d", "a range covers at most 92 days"),
            ("?range=1h&since=2h", "either range or since/until"),
            ("?until=1h", "since: a custom range needs its start"),
            ("?since=9999-12-31T00:00:00Z&until=9999-12-31T23:59:59Z", "a range lies between 1970 and 9999-12-30"),
            ("?since=1969-12-31T23:00:00Z&until=1970-01-01T01:00:00Z", "a range lies between 1970 and 9999-12-30"),
        })
        {
            using var response = await acme.GetAsync("/api/overview" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        }
        using var anonymous = Http(server);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/overview")).StatusCode);
        using var sidecar = Http(server, acmeSidecar);
        Assert.Equal(HttpStatusCode.Forbidden, (await sidecar.GetAsync("/api/overview")).StatusCode);
    }

    private const string HostilePolicy = """
        version: 1
        default: ask
        rules:
          - id: "<script>rule</script>"
            effect: deny
            match: "Bash(rm -rf *)"
          - id: prod-deploys
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [user:alice], timeout: 120s, on_timeout: deny}
          - id: "never-<b>fired</b>"
            effect: deny
            match: "Bash(shutdown *)"
          - id: ls-ok
            effect: allow
            match: "Bash(ls)"
        """;

    [SkippableFact]
    public async Task The_page_shows_hostile_rule_ids_users_and_tools_as_text_links_each_to_the_filtered_live_view_and_counts_the_desks_pending_approvals()
    {
        var server = await StartAsync();
        await ChangePolicyAsync(server, HostilePolicy);
        using var http = Http(server);
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "<script>alert(1)</script>" });
        await using (var stream = await ApprovalSupport.OpenAsync(server, session.SessionId))
        {
            var denied = Events.Bash("rm -rf /", session.SessionId);
            var tool = Events.Tool("<img src=x onerror=alert(1)>", new { path = "x" }, session.SessionId);
            var listed = Events.Bash("ls", session.SessionId);
            Assert.Equal(Verdict.Deny, (await stream.DecideAsync(denied)).Verdict);
            Assert.Equal(Verdict.Ask, (await stream.DecideAsync(tool)).Verdict);
            Assert.Equal(Verdict.Allow, (await stream.DecideAsync(listed)).Verdict);
            await ApprovalSupport.PendingAsync(stream, ApprovalSupport.Deploy(session.SessionId));
            await stream.ReadUntilStoredAsync(denied.EventId, tool.EventId, listed.EventId);

            using var home = await new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = http.BaseAddress, Timeout = Bound.Hang }.GetAsync("/ui");
            Assert.Equal("/ui/overview", home.Headers.Location?.OriginalString);

            var page = await http.GetStringAsync("/ui/overview?range=1h");
            var view = await OverviewAsync(http, "?range=1h");
            Assert.Equal(1, view.PendingApprovals); // the server's own desk, counted in SQL
            Assert.Contains("<a href=\"/ui/overview\" class=\"on\">Overview</a>", page);
            Assert.Contains("data-charts=\"/ui/overview/charts?range=1h\" data-live=\"/api/live\"", page);
            Assert.Contains("<script src=\"/ui/assets/overview.js\"></script>", page);
            foreach (var hostile in new[] { "<script>rule</script>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "never-<b>fired</b>" })
            {
                Assert.DoesNotContain(hostile, page);
                Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(hostile), page);
            }
            Assert.DoesNotContain("style=", page);
            Assert.DoesNotContain("<script>", page.Replace("<script src=\"/ui/assets/live.js\"></script>", "").Replace("<script src=\"/ui/assets/overview.js\"></script>", ""));

            // The page's own range (a minute may have turned since it was drawn).
            var shown = System.Text.RegularExpressions.Regex.Match(page, "data-from=\"([^\"]+)\" data-to=\"([^\"]+)\"");
            Assert.True(shown.Success);
            var range = $"&since={Uri.EscapeDataString(shown.Groups[1].Value)}&until={Uri.EscapeDataString(shown.Groups[2].Value)}";
            string Href(string name, string value) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode($"/ui/live?decision={Uri.EscapeDataString("deny,ask")}&{name}={Uri.EscapeDataString(value)}{range}");
            Assert.Contains($"href=\"{Href("rule", "<script>rule</script>")}\"", page);
            Assert.Contains($"href=\"{Href("user", "<script>alert(1)</script>")}\"", page);
            Assert.Contains($"href=\"{Href("tool", "<img src=x onerror=alert(1)>")}\"", page);
            Assert.Contains("data-rule-id=\"never-&lt;b&gt;fired&lt;/b&gt;\"", page);
            Assert.Contains("<div class=\"card alert\" data-key=\"pending-approvals\"><div class=\"v\">1</div>", page);
            Assert.Contains("<div class=\"card\" data-key=\"deny\"><div class=\"v\">1</div>", page);
            Assert.Contains("<title>", page);

            // The rule's link opens the live view with that rule's denials and asks of the range only.
            var live = await http.GetStringAsync(System.Net.WebUtility.HtmlDecode(Href("rule", "<script>rule</script>")));
            Assert.Contains(denied.EventId, live);
            Assert.DoesNotContain(tool.EventId, live);

            // The fragment the script swaps in is the same renderer's output, for the same range.
            var charts = await http.GetStringAsync("/ui/overview/charts?range=1h");
            Assert.Contains("id=\"overview-totals\"", charts);
            Assert.DoesNotContain("<html", charts);
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/ui/overview/charts?range=<b>")).StatusCode);
            using var bad = await http.GetAsync("/ui/overview?range=<b>");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("got &#x27;&lt;b&gt;&#x27;", await bad.Content.ReadAsStringAsync());
            Assert.Contains("overview-charts", await http.GetStringAsync("/ui/assets/overview.js"));
        }
    }
}

public sealed class SqliteOverviewTests : OverviewTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresOverviewTests : OverviewTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
