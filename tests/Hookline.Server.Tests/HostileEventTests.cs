using Google.Protobuf;
using Grpc.Core;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>
/// Events whose JSON holds text System.Text.Json cannot decode (a lone surrogate escape, as Node and Python write for
/// a file name that is not UTF-8), against a real server and its SQLite store: denied as malformed, stored, and the
/// stream, the writer and the process go on.
/// </summary>
public sealed class HostileEventTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Policies.Standard);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static HookEvent LoneSurrogateCommand(string sessionId)
    {
        var hookEvent = Events.Bash("x", sessionId);
        hookEvent.ToolInput = ByteString.CopyFromUtf8("""{"command":"rm -rf / # \ud800"}""");
        return hookEvent;
    }

    [Fact]
    public async Task A_lone_surrogate_in_tool_input_is_denied_as_malformed_and_the_stream_decides_and_stores_on()
    {
        var sessionId = Guid.NewGuid().ToString();
        await using var stream = await _server.OpenStreamAsync(sessionId);
        await stream.NextSnapshotAsync();
        var bad = LoneSurrogateCommand(sessionId);
        var output = Events.Bash("ls", sessionId, decisionWanted: false);
        output.ToolResponse = ByteString.CopyFromUtf8("""{"stdout":"caf\udce9.txt"}""");
        var next = Events.Bash("rm -rf /tmp/x", sessionId);

        var refused = await stream.DecideAsync(bad);
        await stream.SendAsync(output);
        var decided = await stream.DecideAsync(next);
        await stream.ReadUntilStoredAsync(bad.EventId, output.EventId, next.EventId);

        Assert.Equal((Verdict.Deny, "malformed_input"), (refused.Verdict, refused.ReasonCode));
        Assert.Contains("lone UTF-16 surrogate", refused.Reason);
        Assert.Equal((Verdict.Deny, "rule"), (decided.Verdict, decided.ReasonCode));
        var storedBad = await _server.ScalarAsync<string>("SELECT verdict FROM events WHERE event_id = @id", ("@id", bad.EventId));
        Assert.Equal("deny", storedBad);
    }

    [Fact]
    public async Task An_event_with_a_time_out_of_range_is_stored_with_its_receipt_time_and_the_server_goes_on()
    {
        var sessionId = Guid.NewGuid().ToString();
        await using var stream = await _server.OpenStreamAsync(sessionId);
        await stream.NextSnapshotAsync();
        var late = Events.Bash("ls", sessionId, decisionWanted: false);
        late.Time = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 253_402_300_800, Nanos = -1 };
        var next = Events.Bash("rm -rf /tmp/x", sessionId);

        await stream.SendAsync(late);
        var decided = await stream.DecideAsync(next);
        await stream.ReadUntilStoredAsync(late.EventId, next.EventId);

        Assert.Equal(Verdict.Deny, decided.Verdict);
        var occurredMs = await _server.ScalarAsync<long>("SELECT event_time_ms FROM events WHERE event_id = @id", ("@id", late.EventId));
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(occurredMs), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task DecideOnce_denies_a_lone_surrogate_as_malformed_and_the_server_answers_on()
    {
        var options = new CallOptions(cancellationToken: Bound.Token());

        var refused = await _server.Client.DecideOnceAsync(LoneSurrogateCommand(Guid.NewGuid().ToString()), options);
        var next = await _server.Client.DecideOnceAsync(Events.Bash("git status"), options);

        Assert.Equal((Verdict.Deny, "malformed_input"), (refused.Verdict, refused.ReasonCode));
        Assert.Equal(Verdict.Allow, next.Verdict);
    }

    /// <summary>A replay naming rule ids no real sidecar sends: more than a decision names, or one past any policy's.</summary>
    [Theory]
    [InlineData(Hookline.Server.Internal.Grpc.AgentService.MaxAppliedRuleIds + 1, 2)]
    [InlineData(1, Hookline.Server.Internal.Grpc.AgentService.MaxRuleIdLength + 1)]
    public async Task A_replay_naming_too_many_or_too_long_rule_ids_is_refused_and_not_stored(int count, int length)
    {
        var sessionId = Guid.NewGuid().ToString();
        await using var stream = await _server.OpenStreamAsync(sessionId);
        await stream.NextSnapshotAsync();
        var replay = Events.Bash("ls", sessionId, decisionWanted: false);
        replay.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.FailClosed };
        replay.Applied.RuleIds.AddRange(Enumerable.Range(0, count).Select(i => i.ToString("D" + length, System.Globalization.CultureInfo.InvariantCulture)));
        var next = Events.Bash("ls", sessionId, decisionWanted: false);
        var once = replay.Clone();
        once.EventId = Guid.NewGuid().ToString();

        await stream.SendAsync(replay);
        await stream.SendAsync(next);
        var read = await stream.ReadUntilAsync(m => m.KindCase == ProcessHookEventResponse.KindOneofCase.StoredAck
            && m.StoredAck.Rejected.Any(r => r.EventId == replay.EventId));
        await stream.ReadUntilStoredAsync(next.EventId);
        var refusedOnce = await Assert.ThrowsAsync<RpcException>(async () => await _server.Client.DecideOnceAsync(once));

        var rejected = read[^1].StoredAck.Rejected.Single(r => r.EventId == replay.EventId);
        Assert.Equal("malformed_event", rejected.ReasonCode);
        Assert.Contains("rule id", rejected.Reason);
        Assert.Equal(StatusCode.InvalidArgument, refusedOnce.StatusCode);
        Assert.Equal(0L, await _server.ScalarAsync<long>("SELECT COUNT(*) FROM events WHERE event_id = @id", ("@id", replay.EventId)));
    }
}
