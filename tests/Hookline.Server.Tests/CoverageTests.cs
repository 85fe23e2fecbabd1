using System.Net.Http.Headers;
using System.Net.Http.Json;
using Google.Protobuf;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>
/// Coverage through a real server and its SQLite file or PostgreSQL database: every call seen to run (PostToolUse, the
/// agent's own record) is matched against the session's PreToolUse decisions; a call without one is ungoverned, with
/// its cause, in <c>/api/coverage</c> (for the session's org only) and in <c>/metrics</c>.
/// </summary>
public abstract class CoverageTests : BackendSuite
{
    private static async Task<StreamClient> OpenAsync(TestServer server, string? token, string session, string agent = "claude")
    {
        var stream = new StreamClient(server.ClientWith(token).ProcessHookEvent());
        var open = new Open { SessionId = session, SidecarVersion = "test", Agent = agent };
        open.Capabilities.Add(Core.InputRewrite.SidecarCapability);
        await stream.SendAsync(new ProcessHookEventRequest { Open = open });
        await stream.NextSnapshotAsync();
        return stream;
    }

    private static HookEvent Ran(HookEvent pre, string? input = null)
    {
        var post = pre.Clone();
        post.EventId = Guid.NewGuid().ToString();
        post.HookEventName = post.NativeEvent = "PostToolUse";
        post.DecisionWanted = false;
        post.ToolResponse = ByteString.CopyFromUtf8("""{"ok":true}""");
        if (input is not null)
        {
            post.ToolInput = ByteString.CopyFromUtf8(input);
        }
        return post;
    }

    private static HookEvent RanOnly(string tool, string session, string? subagent = null)
    {
        var post = Events.Tool(tool, new { path = "/tmp/project/x" }, session, decisionWanted: false);
        post.SubagentId = subagent ?? "";
        return post;
    }

    private static async Task<CoverageView> CoverageAsync(TestServer server, string? token, string? session = null)
    {
        using var http = new HttpClient { Timeout = Bound.Hang };
        http.DefaultRequestHeaders.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        var url = server.Server.HttpAddress + "/api/coverage" + (session is null ? "" : "?session=" + session);
        return (await http.GetFromJsonAsync(url, AuditJson.Default.CoverageView))!;
    }

    private static async Task<string> MetricsAsync(TestServer server, string? token)
    {
        using var http = new HttpClient { Timeout = Bound.Hang };
        http.DefaultRequestHeaders.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return await http.GetStringAsync(server.Server.HttpAddress + "/metrics");
    }

    [SkippableFact]
    public async Task Calls_that_ran_without_a_decision_are_flagged_with_their_cause_for_their_org_only_and_counted()
    {
        var server = await StartAsync(o => o.Auth = ServerAuthMode.Required);
        var location = Location(server);
        var sidecar = Tokens.Create(location, "laptop", TokenScope.Sidecar, "alice", "acme").Token;
        var reader = Tokens.Create(location, "acme-read", TokenScope.Read, "auditor", "acme").Token;
        var otherOrg = Tokens.Create(location, "globex-read", TokenScope.Read, "spy", "globex").Token;
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, sidecar, session);

        var allowed = Events.Bash("ls -la", session);
        var denied = Events.Bash("rm -rf /tmp/project", session);
        Assert.Equal(Verdict.Allow, (await stream.DecideAsync(allowed)).Verdict);
        Assert.Equal(Verdict.Deny, (await stream.DecideAsync(denied)).Verdict);
        var missedByMatcher = RanOnly("Write", session);
        var mcp = RanOnly("mcp__github__create_issue", session);
        var subagent = RanOnly("Read", session, subagent: "a1b2c3");
        // The agent's own record (the transcript, at Stop) repeats one call PostToolUse reported and shows one it did not.
        var stop = new HookEvent
        {
            EventId = Guid.NewGuid().ToString(), SessionId = session, Agent = "claude", HookEventName = "Stop", NativeEvent = "Stop",
            ExecutedCalls =
            {
                new ExecutedToolCall { ToolUseId = allowed.ToolUseId, ToolName = "Bash", NativeToolName = "Bash", Source = "transcript" },
                new ExecutedToolCall { ToolUseId = "toolu_transcript_only", ToolName = "Glob", NativeToolName = "Glob", Source = "transcript" },
            },
        };
        HookEvent[] sent = [Ran(allowed), Ran(denied), missedByMatcher, mcp, subagent, stop];
        foreach (var e in sent)
        {
            await stream.SendAsync(e);
        }
        await stream.ReadUntilStoredAsync([.. sent.Select(e => e.EventId)]);

        var view = await CoverageAsync(server, reader, session);
        var summary = Assert.Single(view.Sessions);
        Assert.Equal((session, "acme", 6L, 1L, 5L), (summary.SessionId, summary.Org, summary.Ran, summary.Governed, summary.Ungoverned));
        Assert.Equal(new Dictionary<string, long> { ["no_hook"] = 2, ["mcp_tool"] = 1, ["subagent"] = 1, ["ran_although_denied"] = 1 },
            summary.Causes.OrderBy(c => c.Key, StringComparer.Ordinal).ToDictionary());
        ToolCallView Call(string toolUseId) => Assert.Single(view.Calls, c => c.ToolUseId == toolUseId);
        Assert.Equal(("governed", null, "allow", "post_tool_use"), (Call(allowed.ToolUseId).Status, Call(allowed.ToolUseId).Cause,
            Call(allowed.ToolUseId).Decision, Call(allowed.ToolUseId).RanSource));
        Assert.Equal(("ungoverned", "ran_although_denied", "deny"), (Call(denied.ToolUseId).Status, Call(denied.ToolUseId).Cause, Call(denied.ToolUseId).Decision));
        Assert.Equal(("ungoverned", "no_hook"), (Call(missedByMatcher.ToolUseId).Status, Call(missedByMatcher.ToolUseId).Cause));
        Assert.Equal("mcp_tool", Call(mcp.ToolUseId).Cause);
        Assert.Equal(("subagent", "a1b2c3"), (Call(subagent.ToolUseId).Cause, Call(subagent.ToolUseId).SubagentId));
        Assert.Equal(("no_hook", "transcript", "Glob"), (Call("toolu_transcript_only").Cause, Call("toolu_transcript_only").RanSource,
            Call("toolu_transcript_only").ToolName));
        Assert.All(view.Calls, c => Assert.False(c.Heuristic));

        // Another org's reader sees none of it, whether it names the session or not.
        var foreign = await CoverageAsync(server, otherOrg, session);
        Assert.Empty(foreign.Sessions);
        Assert.Empty(foreign.Calls);
        Assert.Empty((await CoverageAsync(server, otherOrg)).Calls);
        Assert.Equal(5, (await CoverageAsync(server, reader)).Calls.Count);

        var metrics = (await MetricsAsync(server, reader)).Split('\n');
        Assert.Contains("hookline_ungoverned_tool_calls_total{cause=\"no_hook\"} 2", metrics);
        Assert.Contains("hookline_ungoverned_tool_calls_total{cause=\"mcp_tool\"} 1", metrics);
        Assert.Contains("hookline_ungoverned_tool_calls_total{cause=\"subagent\"} 1", metrics);
        Assert.Contains("hookline_ungoverned_tool_calls_total{cause=\"ran_although_denied\"} 1", metrics);
        Assert.Contains("hookline_ungoverned_tool_calls_total{cause=\"hook_timed_out\"} 0", metrics);
    }

    [SkippableFact]
    public async Task Without_tool_use_ids_calls_match_on_tool_input_hash_and_order_and_are_marked_heuristic()
    {
        var server = await StartAsync();
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, null, session, agent: "gemini");
        HookEvent Gemini(string command)
        {
            var e = Events.Tool("Bash", new { command, description = "run it" }, session);
            e.Agent = "gemini";
            e.ToolUseId = "";
            return e;
        }
        var first = Gemini("echo hi");
        var second = Gemini("echo hi");
        // Asked in the same millisecond: matched in the order they came, not in their event ids' (random) order.
        second.Time = first.Time;
        var denied = Gemini("rm -rf /tmp/project");
        foreach (var pre in new[] { first, second, denied })
        {
            await stream.DecideAsync(pre);
        }
        // Same input, its keys in another order and spaced otherwise: the same call. A third "echo hi" had no PreToolUse.
        const string reordered = """{ "description": "run it",  "command": "echo hi" }""";
        HookEvent[] sent = [Ran(first, reordered), Ran(second, reordered), Ran(denied), Ran(first, reordered), Ran(Gemini("ls"))];
        foreach (var e in sent)
        {
            await stream.SendAsync(e);
        }
        await stream.ReadUntilStoredAsync([.. sent.Select(e => e.EventId)]);

        var view = await CoverageAsync(server, null, session);
        var summary = Assert.Single(view.Sessions);
        Assert.Equal((5L, 2L, 3L, 5L), (summary.Ran, summary.Governed, summary.Ungoverned, summary.Heuristic));
        // Matched in order: the first run takes the first PreToolUse, the second the second.
        var governed = view.Calls.Where(c => c.Status == "governed").ToList();
        Assert.Equal(new[] { (first.EventId, sent[0].EventId), (second.EventId, sent[1].EventId) }.Order(), governed.Select(c => (c.PreEventId!, c.RanEventId!)).Order());
        Assert.All(view.Calls, c => Assert.True(c.Heuristic));
        Assert.Equal("ran_although_denied", Assert.Single(view.Calls, c => c.PreEventId == denied.EventId).Cause);
        Assert.Equal(2, view.Calls.Count(c => c is { Status: "ungoverned", Cause: "no_hook", PreEventId: null }));
    }

    [SkippableFact]
    public async Task Without_tool_use_ids_a_pretooluse_asked_too_long_before_does_not_cover_a_later_unasked_run()
    {
        var server = await StartAsync();
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, null, session, agent: "gemini");
        var old = Events.Tool("Bash", new { command = "echo hi" }, session);
        old.Agent = "gemini";
        old.ToolUseId = "";
        old.Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-2));
        await stream.DecideAsync(old);
        // Its call never ran (declined in the agent); two hours later the same call runs with no PreToolUse.
        var ran = Ran(old);
        ran.Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        await stream.SendAsync(ran);
        await stream.ReadUntilStoredAsync([ran.EventId]);

        var view = await CoverageAsync(server, null, session);
        var call = Assert.Single(view.Calls, c => c.RanEventId == ran.EventId);
        Assert.Equal(("ungoverned", "no_hook", null), (call.Status, call.Cause, call.PreEventId));
    }

    [SkippableFact]
    public async Task A_call_a_rule_rewrote_matches_its_PreToolUse_by_the_rewritten_input()
    {
        var server = await StartAsync();
        await ChangePolicyAsync(server, Policies.Standard + """

              - id: dry-run-commits
                effect: allow
                match: "Bash(git commit *)"
                set: {command: "git commit --dry-run"}
            """);
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, null, session, agent: "gemini");
        var pre = Events.Bash("git commit -m wip", session);
        pre.Agent = "gemini";
        pre.ToolUseId = "";
        var decision = await stream.DecideAsync(pre);
        Assert.Equal(Verdict.Allow, decision.Verdict);
        var post = Ran(pre, decision.UpdatedInput.ToStringUtf8());
        await stream.SendAsync(post);
        await stream.ReadUntilStoredAsync(pre.EventId, post.EventId);

        var call = Assert.Single((await CoverageAsync(server, null, session)).Calls);
        Assert.Equal(("governed", pre.EventId, post.EventId, true), (call.Status, call.PreEventId, call.RanEventId, call.Heuristic));
    }

    [SkippableFact]
    public async Task A_decision_stored_before_a_restart_governs_the_call_reported_after_it()
    {
        using var data = new TempDir();
        var first = await StartAsync(o => o.DataDirectory = data.File("data"));
        var session = Guid.NewGuid().ToString();
        var pre = Events.Bash("git status", session);
        await using (var stream = await OpenAsync(first, null, session))
        {
            await stream.DecideAsync(pre);
            await stream.ReadUntilStoredAsync(pre.EventId);
        }
        Assert.Equal("pending", Assert.Single((await CoverageAsync(first, null, session)).Calls).Status);
        await first.DisposeAsync();

        // A new server on the same store (or another replica of it): nothing of the session is in its memory.
        var second = await StartAsync(o => o.DataDirectory = data.File("data"));
        await using var resumed = await OpenAsync(second, null, session);
        var post = Ran(pre);
        await resumed.SendAsync(post);
        await resumed.ReadUntilStoredAsync(post.EventId);

        var call = Assert.Single((await CoverageAsync(second, null, session)).Calls);
        Assert.Equal(("governed", pre.EventId, post.EventId), (call.Status, call.PreEventId, call.RanEventId));
    }
}

public sealed class SqliteCoverageTests : CoverageTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresCoverageTests : CoverageTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
