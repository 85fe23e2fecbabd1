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
}
