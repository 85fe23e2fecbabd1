using System.Net;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>The server-rendered dashboard pages and their embedded assets (the browser tests drive them for real), on each backend.</summary>
public abstract class DashboardPageTests : BackendSuite
{
    [SkippableFact]
    public async Task Every_page_renders_the_stored_data_and_the_assets_are_embedded()
    {
        var server = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress!), Timeout = Bound.Hang };
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "alice<script>" });
        await using (var stream = await server.OpenStreamAsync(session.SessionId))
        {
            var denied = Events.Bash("rm -rf /", session.SessionId);
            await stream.DecideAsync(denied);
            await stream.ReadUntilStoredAsync(denied.EventId);
        }

        var live = await http.GetStringAsync("/ui/live?decision=deny");
        Assert.Contains("data-live=\"/api/live?decision=deny\"", live);
        Assert.Contains("no-force-delete", live);
        Assert.Contains("rm -rf /", live);
        Assert.Contains("alice&lt;script&gt;", live);
        Assert.DoesNotContain("alice<script>", live);

        Assert.Contains(session.SessionId, await http.GetStringAsync("/ui/sessions"));
        var timeline = await http.GetStringAsync("/ui/sessions/" + session.SessionId);
        Assert.Contains("Recursive force delete is blocked", timeline);
        Assert.Contains("/raw\"", timeline);

        var policy = await http.GetStringAsync("/ui/policy");
        Assert.Contains($"epoch {server.Server.PolicyEpoch}", policy);
        Assert.Contains("git-status", policy);
        Assert.Contains("open streams", await http.GetStringAsync("/ui/health"));

        Assert.Contains("EventSource", await http.GetStringAsync("/ui/assets/live.js"));
        Assert.Contains(".badge", await http.GetStringAsync("/ui/assets/dashboard.css"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/ui/assets/nothing.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/ui/sessions/" + Guid.NewGuid())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/ui/live?since=soon")).StatusCode);
    }
}

public sealed class SqliteDashboardPageTests : DashboardPageTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresDashboardPageTests : DashboardPageTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
