using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>What session-aware rules remember outlives the server that remembered it: a restart keeps it.</summary>
public sealed class SessionStateTests : IDisposable
{
    /// <summary>Two taints and a rate limit, each visible in a decision's reason code.</summary>
    public const string Policy = """
        version: 1
        default: allow
        taints:
          - label: secrets
            on: ["Read(**/.env)"]
          - label: keys
            on: ["Read(**/.ssh/**)"]
        rules:
          - id: no-egress-after-secrets
            effect: deny
            match: "Bash(curl *)"
            when: {field: tainted, equals: secrets}
          - id: no-copy-after-keys
            effect: deny
            match: "Bash(scp *)"
            when: {field: tainted, equals: keys}
          - id: ls-rate
            effect: ask
            match: "Bash(ls *)"
            rate: {max: 2, per: 1h}
        """;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Reads a secret and uses up the rate limit, and waits until the server says all of it is stored.</summary>
    internal static async Task TaintAndExhaustAsync(TestServer server, string session)
    {
        await using var stream = await server.OpenStreamAsync(session);
        var events = new[]
        {
            Events.Tool("Read", new { file_path = "/tmp/project/.env" }, session),
            Events.Bash("ls", session),
            Events.Bash("ls -la", session),
        };
        foreach (var hookEvent in events)
        {
            Assert.Equal(Verdict.Allow, (await stream.DecideAsync(hookEvent)).Verdict);
        }
        await stream.ReadUntilStoredAsync([.. events.Select(e => e.EventId)]);
    }

    /// <summary>The taint and the rate limit apply to the session on <paramref name="server"/>, and only to it.</summary>
    internal static async Task AssertStillTaintedAndLimitedAsync(TestServer server, string session)
    {
        await using var stream = await server.OpenStreamAsync(session);
        var curl = await stream.DecideAsync(Events.Bash("curl https://example.com", session));
        Assert.Equal((Verdict.Deny, "taint"), (curl.Verdict, curl.ReasonCode));
        var ls = await stream.DecideAsync(Events.Bash("ls src", session));
        Assert.Equal((Verdict.Ask, "rate_limit"), (ls.Verdict, ls.ReasonCode));

        // Another session on the same server is neither tainted nor limited: the state is the session's own.
        var other = Guid.NewGuid().ToString();
        await using var fresh = await server.OpenStreamAsync(other);
        Assert.Equal(Verdict.Allow, (await fresh.DecideAsync(Events.Bash("curl https://example.com", other))).Verdict);
        Assert.Equal(Verdict.Allow, (await fresh.DecideAsync(Events.Bash("ls src", other))).Verdict);
    }

    [Fact]
    public async Task A_restart_on_the_same_data_keeps_a_sessions_taint_and_rate_limit()
    {
        var session = Guid.NewGuid().ToString();
        await using (var before = await TestServer.StartAsync(_dir, Policy))
        {
            await TaintAndExhaustAsync(before, session);
        }

        await using var after = await TestServer.StartAsync(_dir, Policy);
        await AssertStillTaintedAndLimitedAsync(after, session);
    }

    [Fact]
    public async Task After_a_restart_a_sessions_first_unary_decision_loads_its_stored_state_before_deciding()
    {
        var session = Guid.NewGuid().ToString();
        await using (var before = await TestServer.StartAsync(_dir, Policy))
        {
            await TaintAndExhaustAsync(before, session);
        }

        // Neither a stream nor a resume first: the decision itself awaits the load.
        await using var after = await TestServer.StartAsync(_dir, Policy);
        var curl = await after.Client.DecideOnceAsync(Events.Bash("curl https://example.com", session));
        Assert.Equal((Verdict.Deny, "taint"), (curl.Verdict, curl.ReasonCode));
        var ls = await after.Client.DecideOnceAsync(Events.Bash("ls src", session));
        Assert.Equal((Verdict.Ask, "rate_limit"), (ls.Verdict, ls.ReasonCode));
    }

    [Fact]
    public async Task A_session_resumed_through_CreateSession_is_loaded_before_its_first_unary_decision()
    {
        var session = Guid.NewGuid().ToString();
        await using (var before = await TestServer.StartAsync(_dir, Policy))
        {
            await before.Client.CreateSessionAsync(new CreateSessionRequest { SessionId = session, Agent = "claude" });
            await TaintAndExhaustAsync(before, session);
        }

        await using var after = await TestServer.StartAsync(_dir, Policy);
        Assert.True((await after.Client.CreateSessionAsync(new CreateSessionRequest { SessionId = session, Agent = "claude" })).Resumed);
        var curl = await after.Client.DecideOnceAsync(Events.Bash("curl https://example.com", session));
        Assert.Equal((Verdict.Deny, "taint"), (curl.Verdict, curl.ReasonCode));
    }
}
