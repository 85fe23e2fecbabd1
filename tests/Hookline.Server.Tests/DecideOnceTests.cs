using Grpc.Core;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>The unary baseline decides exactly as the stream does, and stores the event too.</summary>
public sealed class DecideOnceTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Policies.Standard);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("Bash", "{\"command\":\"cd x && rm -rf /\"}")]
    [InlineData("Bash", "{\"command\":\"git push origin main\"}")]
    [InlineData("Bash", "{\"command\":\"git status\"}")]
    [InlineData("Bash", "{\"command\":\"ls\"}")]
    [InlineData("Bash", "{\"command\"")]
    [InlineData("Read", "{\"file_path\":\"README.md\"}")]
    public async Task DecideOnce_gives_the_same_decision_as_the_stream(string tool, string toolInput)
    {
        await using var stream = await _server.OpenStreamAsync();
        await stream.NextSnapshotAsync();
        var streamed = Events.Tool(tool, new { }, correlationId: 7);
        streamed.ToolInput = Google.Protobuf.ByteString.CopyFromUtf8(toolInput);
        var unary = streamed.Clone();
        unary.EventId = Guid.NewGuid().ToString();

        var fromStream = await stream.DecideAsync(streamed);
        var once = await _server.Client.DecideOnceAsync(unary, new CallOptions(cancellationToken: Bound.Token()));

        Assert.Equal(unary.EventId, once.EventId);
        Assert.Equal(7UL, once.CorrelationId);
        // Everything but the event id is the same answer.
        once.EventId = fromStream.EventId;
        Assert.Equal(fromStream, once);
    }

    [Fact]
    public async Task DecideOnce_stores_the_event_with_its_decision()
    {
        var hookEvent = Events.Bash("rm -rf /");
        var decision = await _server.Client.DecideOnceAsync(hookEvent, new CallOptions(cancellationToken: Bound.Token()));

        // No StoredAck for unary calls; storage is one ordered queue, so an acknowledged later event means this one is written.
        await using var stream = await _server.OpenStreamAsync();
        var later = Events.Bash("ls", decisionWanted: false);
        await stream.SendAsync(later);
        await stream.ReadUntilStoredAsync(later.EventId);

        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal($"deny|no-force-delete|remote|{decision.PolicyEpoch}", await _server.ScalarAsync<string>(
            "SELECT verdict || '|' || rule_ids || '|' || applied_source || '|' || policy_epoch FROM events WHERE event_id = $id",
            ("$id", hookEvent.EventId)));
    }

    [Fact]
    public async Task DecideOnce_without_ids_is_an_invalid_argument()
    {
        var hookEvent = Events.Bash("ls");
        hookEvent.EventId = "";

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            _server.Client.DecideOnceAsync(hookEvent, new CallOptions(cancellationToken: Bound.Token())).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }
}
