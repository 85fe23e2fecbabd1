using System.Text.Json;

namespace Hookline.EndToEnd.Tests;

/// <summary><c>hookline events</c> and <c>hookline sessions</c> read back what a real session stored.</summary>
public sealed class AuditCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-aud-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Events_and_sessions_show_every_decision_with_its_provenance()
    {
        var demo = await CliRun.RunAsync(["demo", "--data", _dir]);
        Assert.True(demo.Exit == 0, demo.Stdout + demo.Stderr);
        var data = Path.Combine(_dir, "data");

        var events = await CliRun.RunAsync(["events", "--data", data, "--json"]);
        var sessions = await CliRun.RunAsync(["sessions", "--data", data, "--json"]);
        var table = await CliRun.RunAsync(["events", "--data", data]);

        Assert.Equal(0, events.Exit);
        var lines = events.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(10, lines.Count);
        var push = Assert.Single(lines, l => l.GetProperty("tool_input").GetString()?.Contains("git push", StringComparison.Ordinal) == true);
        Assert.Equal(("ask", "ask", "remote", "confirm-push", "enforce"), (push.GetProperty("decision").GetString(),
            push.GetProperty("applied").GetString(), push.GetProperty("source").GetString(),
            push.GetProperty("rule_ids")[0].GetString(), push.GetProperty("mode").GetString()));
        Assert.Equal(4, lines.Count(l => l.GetProperty("source").GetString() == "non_blocking"));

        var session = JsonDocument.Parse(sessions.Stdout.Trim()).RootElement;
        Assert.Equal(("ended", 10, 2, 1), (session.GetProperty("status").GetString(), session.GetProperty("events").GetInt32(),
            session.GetProperty("denied").GetInt32(), session.GetProperty("asked").GetInt32()));
        Assert.Contains("confirm-push", table.Stdout);
    }

    [Fact]
    public async Task Events_says_on_stderr_when_it_stops_at_its_limit_and_how_to_get_more()
    {
        var demo = await CliRun.RunAsync(["demo", "--data", _dir]);
        Assert.True(demo.Exit == 0, demo.Stdout + demo.Stderr);
        var data = Path.Combine(_dir, "data");

        var cut = await CliRun.RunAsync(["events", "--data", data, "--json", "--limit", "4"]);
        var whole = await CliRun.RunAsync(["events", "--data", data, "--json", "--limit", "10"]);

        Assert.Equal(0, cut.Exit);
        Assert.Equal(4, cut.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("hookline events: showing the newest 4 events; more match. Raise --limit", cut.Stderr);
        Assert.Equal(10, whole.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("", whole.Stderr);
    }

    [Fact]
    public async Task A_bad_duration_is_refused_with_the_name_of_the_option_it_came_from()
    {
        var server = await CliRun.RunAsync(["server", "--data", _dir, "--listen", "http://127.0.0.1:0", "--retention", "soon"]);
        var export = await CliRun.RunAsync(["export", "--data", _dir, "--since", "soon"]);

        Assert.Equal(2, server.Exit);
        Assert.Contains("--retention: expected a duration like 30m, 24h or 7d, got 'soon'", server.Stderr);
        Assert.DoesNotContain("--since", server.Stderr);
        Assert.Equal(2, export.Exit);
        Assert.Contains("--since: expected a duration", export.Stderr);
    }

    [Fact]
    public async Task Without_an_audit_trail_events_says_so()
    {
        var run = await CliRun.RunAsync(["events", "--data", Path.Combine(_dir, "none")]);

        Assert.Equal(2, run.Exit);
        Assert.Contains("no audit trail there", run.Stderr);
    }
}
