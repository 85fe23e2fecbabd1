using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>
/// Reads are limited to the caller's org, through a real server and its SQLite file or PostgreSQL database: two orgs'
/// sidecar tokens write events; a read token of org acme sees acme's events and sessions only, in every list, by id
/// (another org's id answers 404 exactly like a missing one), in the live feed, the rule hits and health counts, and on
/// the dashboard through its session cookie; a read token without an org sees both orgs.
/// </summary>
public abstract class OrgScopeTests : BackendSuite
{
    private sealed record Org(string Session, HookEvent Allowed, HookEvent Denied)
    {
        public string[] EventIds => [Allowed.EventId, Denied.EventId];
    }

    private sealed record Setup(TestServer Server, string AcmeReader, string EveryOrgReader, string AcmeSidecar, string GlobexSidecar)
    {
        /// <summary>Globex's session, then acme's: the one writer stores (and publishes to the live feed) globex's events first.</summary>
        public async Task<(Org Acme, Org Globex)> WriteBothAsync()
        {
            var globex = await WriteAsync(Server, GlobexSidecar);
            return (await WriteAsync(Server, AcmeSidecar), globex);
        }

        public HttpClient AcmeHttp() => Http(Server, AcmeReader);

        public HttpClient EveryOrgHttp() => Http(Server, EveryOrgReader);
    }

    private static HttpClient Http(TestServer server, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>One session of the org the sidecar token names, with an allowed and a denied command, stored.</summary>
    private static async Task<Org> WriteAsync(TestServer server, string sidecarToken)
    {
        var session = Guid.NewGuid().ToString();
        var stream = new StreamClient(server.ClientWith(sidecarToken).ProcessHookEvent());
        await using (stream)
        {
            await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = session, SidecarVersion = "test", Agent = "claude" } });
            await stream.NextSnapshotAsync();
            var allowed = Events.Bash("git status", session);
            var denied = Events.Bash("rm -rf /", session);
            Assert.Equal(Verdict.Allow, (await stream.DecideAsync(allowed)).Verdict);
            Assert.Equal(Verdict.Deny, (await stream.DecideAsync(denied)).Verdict);
            await stream.ReadUntilStoredAsync(allowed.EventId, denied.EventId);
            return new Org(session, allowed, denied);
        }
    }

    private async Task<Setup> StartWithTokensAsync()
    {
        var server = await StartAsync(o => o.Auth = ServerAuthMode.Required);
        var location = Location(server);
        var acmeSidecar = Tokens.Create(location, "acme-laptop", TokenScope.Sidecar, "alice", "acme").Token;
        var globexSidecar = Tokens.Create(location, "globex-laptop", TokenScope.Sidecar, "bob", "globex").Token;
        var acmeReader = Tokens.Create(location, "acme-read", TokenScope.Read, "auditor", "acme").Token;
        var everyOrgReader = Tokens.Create(location, "platform-read", TokenScope.Read, null, null).Token;
        return new Setup(server, acmeReader, everyOrgReader, acmeSidecar, globexSidecar);
    }

    private static async Task<List<string>> EventIdsAsync(HttpClient http, string query = "")
        => (await http.GetFromJsonAsync("/api/events" + query, AuditJson.Default.EventPage))!.Items.Select(e => e.EventId).ToList();

    private static async Task<List<string>> SessionIdsAsync(HttpClient http)
        => (await http.GetFromJsonAsync("/api/sessions", AuditJson.Default.SessionPage))!.Items.Select(s => s.SessionId).ToList();

    [SkippableFact]
    public async Task A_read_token_of_one_org_lists_only_that_orgs_events_and_sessions_and_a_token_without_an_org_lists_both()
    {
        var setup = await StartWithTokensAsync();
        var (acme, globex) = await setup.WriteBothAsync();
        using var acmeHttp = setup.AcmeHttp();
        using var everyOrg = setup.EveryOrgHttp();

        Assert.Equal(acme.EventIds.Order(), (await EventIdsAsync(acmeHttp)).Order());
        Assert.Empty(await EventIdsAsync(acmeHttp, "?session=" + globex.Session));
        Assert.Empty(await EventIdsAsync(acmeHttp, "?user=bob"));
        Assert.Equal([acme.Denied.EventId], await EventIdsAsync(acmeHttp, "?decision=deny&order=asc&limit=1"));
        Assert.Equal([acme.Session], await SessionIdsAsync(acmeHttp));
        var rules = (await acmeHttp.GetFromJsonAsync("/api/policy/rules", AuditJson.Default.RuleHitsView))!;
        Assert.Equal(1, Assert.Single(rules.Rules, r => r.RuleId == "no-force-delete").Hits);
        var health = (await acmeHttp.GetFromJsonAsync("/api/health", AuditJson.Default.HealthView))!;
        Assert.Equal(2, health.DecidedInWindow);

        Assert.Equal(acme.EventIds.Concat(globex.EventIds).Order(), (await EventIdsAsync(everyOrg)).Order());
        Assert.Equal(new[] { acme.Session, globex.Session }.Order(), (await SessionIdsAsync(everyOrg)).Order());
        var allRules = (await everyOrg.GetFromJsonAsync("/api/policy/rules", AuditJson.Default.RuleHitsView))!;
        Assert.Equal(2, Assert.Single(allRules.Rules, r => r.RuleId == "no-force-delete").Hits);
        Assert.Equal(4, (await everyOrg.GetFromJsonAsync("/api/health", AuditJson.Default.HealthView))!.DecidedInWindow);
    }

    [SkippableFact]
    public async Task Another_orgs_event_or_session_by_id_answers_404_exactly_like_a_missing_one()
    {
        var setup = await StartWithTokensAsync();
        var (acme, globex) = await setup.WriteBothAsync();
        using var acmeHttp = setup.AcmeHttp();
        using var everyOrg = setup.EveryOrgHttp();
        var missing = Guid.NewGuid().ToString();

        foreach (var (path, ownId, foreignId) in new[]
        {
            ("/api/events/", acme.Denied.EventId, globex.Denied.EventId),
            ("/api/sessions/", acme.Session, globex.Session),
        })
        {
            foreach (var suffix in path.StartsWith("/api/events/", StringComparison.Ordinal) ? new[] { "", "/raw" } : [""])
            {
                using var foreign = await acmeHttp.GetAsync(path + foreignId + suffix);
                using var absent = await acmeHttp.GetAsync(path + missing + suffix);
                Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (foreign.StatusCode, absent.StatusCode));
                Assert.Equal(await absent.Content.ReadAsStringAsync(), await foreign.Content.ReadAsStringAsync());
                Assert.Equal(absent.Content.Headers.ContentType, foreign.Content.Headers.ContentType);
                using var own = await acmeHttp.GetAsync(path + ownId + suffix);
                Assert.Equal(HttpStatusCode.OK, own.StatusCode);
                using var seenByEveryOrg = await everyOrg.GetAsync(path + foreignId + suffix);
                Assert.Equal(HttpStatusCode.OK, seenByEveryOrg.StatusCode);
            }
        }
    }

    [SkippableFact]
    public async Task The_live_feed_of_one_orgs_reader_carries_none_of_another_orgs_events()
    {
        var setup = await StartWithTokensAsync();
        using var acmeHttp = setup.AcmeHttp();
        using var everyOrg = setup.EveryOrgHttp();
        await using var acmeFeed = await LiveAsync(acmeHttp);
        await using var everyOrgFeed = await LiveAsync(everyOrg);

        var (acme, globex) = await setup.WriteBothAsync();

        // The reader without an org gets both orgs' events, so globex's were published to the feed before acme's.
        Assert.Equal(globex.EventIds.Concat(acme.EventIds), (await everyOrgFeed.UntilAsync(acme.Denied.EventId)).Select(e => e.EventId));
        var seen = await acmeFeed.UntilAsync(acme.Denied.EventId);
        Assert.Equal(acme.EventIds, seen.Select(e => e.EventId));
        Assert.All(seen, e => Assert.Equal("acme", e.Org));
    }

    [SkippableFact]
    public async Task A_dashboard_sign_in_reads_only_its_tokens_org()
    {
        var setup = await StartWithTokensAsync();
        var (server, acmeReader, everyOrgReader, _, _) = setup;
        var origin = server.Server.HttpAddress!.TrimEnd('/');
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(origin + "/"),
            Timeout = Bound.Hang,
        };
        async Task<string> SignInAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "ui/login") { Content = new FormUrlEncodedContent([new("token", token)]) };
            request.Headers.Add("Origin", origin);
            using var response = await browser.SendAsync(request);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
            return setCookie[..setCookie.IndexOf(';')];
        }
        async Task<(HttpStatusCode Status, string Body)> GetAsync(string cookie, string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", cookie);
            using var response = await browser.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        var acmeCookie = await SignInAsync(acmeReader);
        var everyOrgCookie = await SignInAsync(everyOrgReader);
        // The live page's feed URL names no org: the server takes it from the token behind the cookie.
        await using var feed = await LiveAsync(browser, acmeCookie);
        var (acme, globex) = await setup.WriteBothAsync();
        Assert.Equal(acme.EventIds, (await feed.UntilAsync(acme.Denied.EventId)).Select(e => e.EventId));

        foreach (var path in new[] { "ui/live", "ui/sessions", "api/events" })
        {
            var (status, body) = await GetAsync(acmeCookie, path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains(acme.Session, body);
            Assert.DoesNotContain(globex.Session, body);
            var (_, all) = await GetAsync(everyOrgCookie, path);
            Assert.Contains(globex.Session, all);
        }
        var (own, ownPage) = await GetAsync(acmeCookie, "ui/sessions/" + acme.Session);
        Assert.Equal(HttpStatusCode.OK, own);
        Assert.Contains(acme.Denied.EventId, ownPage);
        var (foreign, foreignPage) = await GetAsync(acmeCookie, "ui/sessions/" + globex.Session);
        Assert.Equal(HttpStatusCode.NotFound, foreign);
        Assert.DoesNotContain(globex.Denied.EventId, foreignPage);
        var (absent, _) = await GetAsync(acmeCookie, "ui/sessions/" + Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, absent);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(everyOrgCookie, "ui/sessions/" + globex.Session)).Status);
    }

    private static async Task<LiveReader> LiveAsync(HttpClient http, string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/live");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("event: ready", await Bound.Within(reader.ReadLineAsync(), "ready event"));
        return new LiveReader(request, response, reader);
    }

    /// <summary>One open <c>/api/live</c> response, read line by line within bounded waits.</summary>
    private sealed class LiveReader(HttpRequestMessage request, HttpResponseMessage response, StreamReader reader) : IAsyncDisposable
    {
        /// <summary>Every event pushed up to and including <paramref name="lastEventId"/>.</summary>
        public async Task<List<EventView>> UntilAsync(string lastEventId)
        {
            var events = new List<EventView>();
            while (events.Count == 0 || events[^1].EventId != lastEventId)
            {
                var line = await Bound.Within(reader.ReadLineAsync(), "live event " + lastEventId)
                    ?? throw new InvalidOperationException("the live feed ended before event " + lastEventId);
                if (line.StartsWith("data: {\"event_id\"", StringComparison.Ordinal))
                {
                    events.Add(JsonSerializer.Deserialize(line["data: ".Length..], AuditJson.Default.EventView)!);
                }
            }
            return events;
        }

        public ValueTask DisposeAsync()
        {
            reader.Dispose();
            response.Dispose();
            request.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class SqliteOrgScopeTests : OrgScopeTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresOrgScopeTests : OrgScopeTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
