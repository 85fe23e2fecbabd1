using Hookline.Contracts.V1;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Server.Tests;

/// <summary>
/// Answer first, store after: what a StoredAck promises is in the database, once per event id. Runs against SQLite
/// and against PostgreSQL.
/// </summary>
public abstract class StorageTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private StreamClient _stream = null!;
    private TestDatabase? _database;

    /// <summary>Null: SQLite. Otherwise a fresh PostgreSQL database (or a skip when none is configured).</summary>
    internal abstract Task<TestDatabase?> CreateDatabaseAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Started by each test, so that a missing PostgreSQL skips the test instead of failing the class.</summary>
    private async Task StartAsync()
    {
        _database = await CreateDatabaseAsync();
        _server = await TestServer.StartAsync(Policies.Standard, o => o.Postgres = _database?.ConnectionString);
        _server.Database = _database;
        _stream = await _server.OpenStreamAsync();
        await _stream.NextSnapshotAsync();
    }

    public async Task DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private Task<string> RowAsync(string eventId, string columns) =>
        _server.ScalarAsync<string>($"SELECT {columns} FROM events WHERE event_id = @id", ("@id", eventId));

    private Task<long> CountAsync(string eventId) =>
        _server.ScalarAsync<long>("SELECT COUNT(*) FROM events WHERE event_id = @id", ("@id", eventId));

    [SkippableFact]
    public async Task Once_acknowledged_the_event_is_stored_with_the_decision_it_got()
    {
        await StartAsync();
        var hookEvent = Events.Bash("cd x && rm -rf /");

        var decision = await _stream.DecideAsync(hookEvent);
        await _stream.ReadUntilStoredAsync(hookEvent.EventId);

        Assert.Equal(
            $"PreToolUse|Bash|deny|deny|rule|no-force-delete|{decision.PolicyEpoch}|deny|remote|{hookEvent.SessionId}|/tmp/project",
            await RowAsync(hookEvent.EventId,
                "hook_event || '|' || tool_name || '|' || verdict || '|' || evaluated || '|' || reason_code || '|' || rule_ids || '|' || " +
                "policy_epoch || '|' || applied_verdict || '|' || applied_source || '|' || session_id || '|' || cwd"));
        Assert.Equal(hookEvent.ToolInput.ToStringUtf8(), await RowAsync(hookEvent.EventId, _server.TextOf("tool_input")));
        Assert.Equal("Recursive force delete is blocked", await RowAsync(hookEvent.EventId, "reason"));
        Assert.Equal(hookEvent.Time.ToDateTimeOffset().ToUnixTimeMilliseconds(),
            await _server.ScalarAsync<long>("SELECT event_time_ms FROM events WHERE event_id = @id", ("@id", hookEvent.EventId)));
    }

    [SkippableFact]
    public async Task The_same_event_id_sent_twice_is_stored_once()
    {
        await StartAsync();
        var hookEvent = Events.Bash("git push origin main");
        await _stream.DecideAsync(hookEvent);
        await _stream.ReadUntilStoredAsync(hookEvent.EventId);

        // The sidecar lost the ack and resends the event after a reconnect.
        var replay = hookEvent.Clone();
        replay.DecisionWanted = false;
        await _stream.SendAsync(replay);
        await _stream.SendAsync(new ProcessHookEventRequest { Ping = new Ping { Nonce = 1 } });
        // Read past both the Pong (the replay was handled) and a second ack for the id (the resent copy is durable,
        // as what was already there); they may come in either order.
        bool pong = false, acked = false;
        var read = await _stream.ReadUntilAsync(m =>
        {
            pong |= m.KindCase == Kind.Pong;
            acked |= m.KindCase == Kind.StoredAck && m.StoredAck.EventIds.Contains(hookEvent.EventId);
            return pong && acked;
        });

        Assert.DoesNotContain(read, m => m.KindCase == Kind.Decision);
        Assert.Equal(1L, await CountAsync(hookEvent.EventId));
        Assert.Equal("ask|remote", await RowAsync(hookEvent.EventId, "verdict || '|' || applied_source"));
    }

    [SkippableFact]
    public async Task A_replay_carrying_a_local_decision_records_it_and_the_ack_confirms_it()
    {
        await StartAsync();
        var hookEvent = Events.Bash("rm -rf /tmp/build");
        var decision = await _stream.DecideAsync(hookEvent);
        await _stream.ReadUntilStoredAsync(hookEvent.EventId);
        Assert.DoesNotContain(hookEvent.EventId, _stream.StoredApplied);

        // The server's answer came after the budget: the sidecar applied its own and tells the server so.
        var replay = hookEvent.Clone();
        replay.DecisionWanted = false;
        replay.Applied = new AppliedDecision
        {
            Verdict = Verdict.Deny,
            Source = DecisionSource.Local,
            Reason = "Recursive force delete is blocked",
            ReasonCode = "rule",
            RuleIds = { "no-force-delete" },
            PolicyEpoch = decision.PolicyEpoch,
            LatencyUs = 8123,
        };
        await _stream.SendAsync(replay);
        var read = await _stream.ReadUntilAsync(m => m.KindCase == Kind.StoredAck && m.StoredAck.AppliedEventIds.Contains(hookEvent.EventId));

        Assert.DoesNotContain(read, m => m.KindCase == Kind.Decision);
        Assert.Contains(hookEvent.EventId, read[^1].StoredAck.EventIds);
        Assert.Equal(1L, await CountAsync(hookEvent.EventId));
        Assert.Equal($"deny|deny|local|no-force-delete|{decision.PolicyEpoch}|8123", await RowAsync(hookEvent.EventId,
            "verdict || '|' || applied_verdict || '|' || applied_source || '|' || applied_rule_ids || '|' || applied_epoch || '|' || applied_latency_us"));
    }

    [SkippableFact]
    public async Task A_replay_of_an_event_the_server_never_saw_is_stored_with_both_decisions()
    {
        await StartAsync();
        var replay = Events.Bash("git status", decisionWanted: false);
        replay.HookEventName = "PreToolUse";
        replay.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.FailClosed, Reason = "policy unavailable" };

        await _stream.SendAsync(replay);
        var read = await _stream.ReadUntilAsync(m => m.KindCase == Kind.StoredAck && m.StoredAck.AppliedEventIds.Contains(replay.EventId));

        Assert.DoesNotContain(read, m => m.KindCase == Kind.Decision);
        // The server still evaluates it, so the trail shows what it would have said beside what was applied.
        Assert.Equal("allow|deny|fail_closed", await RowAsync(replay.EventId, "verdict || '|' || applied_verdict || '|' || applied_source"));
    }

    [SkippableFact]
    public async Task A_non_blocking_event_is_stored_and_acknowledged_without_a_decision()
    {
        await StartAsync();
        var hookEvent = Events.Bash("rm -rf /tmp/x", decisionWanted: false);
        hookEvent.ToolResponse = Google.Protobuf.ByteString.CopyFromUtf8("{\"stdout\":\"\"}");

        await _stream.SendAsync(hookEvent);
        var read = await _stream.ReadUntilStoredAsync(hookEvent.EventId);
        read.AddRange(await _stream.RoundTripAsync());

        Assert.DoesNotContain(read, m => m.KindCase == Kind.Decision);
        Assert.Equal("PostToolUse|non_blocking|1", await RowAsync(hookEvent.EventId,
            "hook_event || '|' || applied_source || '|' || (CASE WHEN verdict IS NULL AND reason_code IS NULL AND policy_epoch IS NULL THEN 1 ELSE 0 END)"));
        Assert.Equal("{\"stdout\":\"\"}", await RowAsync(hookEvent.EventId, _server.TextOf("tool_response")));
    }

    [SkippableTheory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task An_event_without_ids_is_denied_as_malformed_and_not_stored(bool withoutEventId, bool withoutSessionId)
    {
        await StartAsync();
        var malformed = Events.Bash("ls", correlationId: 9001);
        var eventId = malformed.EventId;
        if (withoutEventId)
        {
            malformed.EventId = "";
        }
        if (withoutSessionId)
        {
            malformed.SessionId = "";
        }

        var decision = await _stream.DecideAsync(malformed);
        // A valid event after it: once that one is acknowledged, anything queued before it was written too.
        var valid = Events.Bash("ls");
        await _stream.DecideAsync(valid);
        await _stream.ReadUntilStoredAsync(valid.EventId);

        Assert.Equal(9001UL, decision.CorrelationId);
        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal("malformed_event", decision.ReasonCode);
        Assert.Equal(_server.Server.PolicyEpoch, decision.PolicyEpoch);
        Assert.DoesNotContain(eventId, _stream.Stored);
        Assert.Equal(1L, await _server.ScalarAsync<long>("SELECT COUNT(*) FROM events"));
    }
}

public sealed class SqliteStorageTests : StorageTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresStorageTests : StorageTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
