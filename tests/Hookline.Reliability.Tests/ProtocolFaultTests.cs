using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Hookline.Contracts.V1;

namespace Hookline.Reliability.Tests;

/// <summary>Garbage on the hook socket and unknown kinds on the stream: a clear error, and the process keeps serving.</summary>
public sealed class ProtocolFaultTests
{
    [Fact]
    public async Task Corrupt_and_truncated_hook_frames_get_a_clear_error_and_the_sidecar_keeps_serving()
    {
        await using var stack = await ProcessStack.StartAsync();

        var wrongVersion = await HookSocket.ExchangeAsync(stack.SocketPath, HookSocket.Frame([9, 0, 6, (byte)'c', (byte)'l', (byte)'a', (byte)'u', (byte)'d', (byte)'e']));
        var cutHeader = await HookSocket.ExchangeAsync(stack.SocketPath, HookSocket.Frame([1, 0, 40, (byte)'c']));
        var overCap = await HookSocket.ExchangeAsync(stack.SocketPath, [0x7f, 0xff, 0xff, 0xff]);
        // The length promises 1000 bytes, ten come, then the hook is gone.
        var truncated = await HookSocket.ExchangeAsync(stack.SocketPath, [0, 0, 0x03, 0xe8, 1, 0, 6, .. "claude"u8, 3], closeAfterSend: true);
        var after = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("rm -rf /x"));

        Assert.Contains("bad request frame: request frame version 9", HookSocket.Parse(wrongVersion).Stderr);
        Assert.Contains("bad request frame: request frame header is truncated", HookSocket.Parse(cutHeader).Stderr);
        Assert.Contains("exceeds the 10 MiB cap", HookSocket.Parse(overCap).Stderr);
        Assert.Empty(truncated);
        await stack.Sidecar!.WaitForLineAsync("connection ended before a full request", TimeSpan.FromSeconds(30));
        Assert.Equal("deny", after.PermissionDecision);
        Assert.False(stack.Sidecar.HasExited);
    }

    /// <summary>A message whose only field is one this build does not know (field 99, a varint): an unknown oneof kind.</summary>
    private static T UnknownKind<T>(MessageParser<T> parser) where T : IMessage<T> => parser.ParseFrom([0x98, 0x06, 0x01]);

    [Fact]
    public async Task The_server_logs_an_unknown_stream_message_kind_and_keeps_the_stream()
    {
        await using var stack = await ProcessStack.StartAsync();
        using var channel = GrpcChannel.ForAddress(stack.ServerUrl);
        var client = new AgentService.AgentServiceClient(channel);
        var session = Guid.NewGuid().ToString();
        await client.CreateSessionAsync(new CreateSessionRequest { SessionId = session, Agent = "claude" });
        using var call = client.ProcessHookEvent();

        await call.RequestStream.WriteAsync(new ProcessHookEventRequest { Open = new Open { SessionId = session, Agent = "claude" } });
        var unknown = UnknownKind(ProcessHookEventRequest.Parser);
        Assert.Equal(ProcessHookEventRequest.KindOneofCase.None, unknown.KindCase);
        await call.RequestStream.WriteAsync(unknown);
        var hookEvent = new HookEvent
        {
            CorrelationId = 7, EventId = Guid.NewGuid().ToString(), SessionId = session, Agent = "claude",
            HookEventName = "PreToolUse", ToolName = "Bash", DecisionWanted = true,
            ToolInput = ByteString.CopyFromUtf8("{\"command\":\"rm -rf /srv\"}"),
        };
        await call.RequestStream.WriteAsync(new ProcessHookEventRequest { Event = hookEvent });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Decision? decision = null;
        await foreach (var response in call.ResponseStream.ReadAllAsync(timeout.Token))
        {
            if (response.KindCase == ProcessHookEventResponse.KindOneofCase.Decision)
            {
                decision = response.Decision;
                break;
            }
        }
        await call.RequestStream.CompleteAsync();

        Assert.Equal((7UL, Verdict.Deny), (decision!.CorrelationId, decision.Verdict));
        await stack.Server!.WaitForLineAsync("Stream protocol error: unknown message kind", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_sidecar_logs_an_unknown_stream_message_kind_and_keeps_the_stream()
    {
        await using var server = await FakeServer.StartAsync(Policies.Standard, UnknownKind(ProcessHookEventResponse.Parser));
        await using var stack = await ProcessStack.StartAsync(withServer: false, sidecarServerUrl: server.Url, budgetMs: 5000);

        var run = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("ls"));

        // The fake server denies everything: a deny proves its answer came over the stream that carried the unknown kind.
        Assert.True(run.PermissionDecision == "deny", run.Stdout + "\n" + stack.Sidecar!.Output);
        Assert.Contains(FakeServer.Reason, run.Stdout);
        Assert.True(stack.Sidecar.SawLine("of a kind this sidecar does not know"), stack.Sidecar.Output);
        Assert.Equal(1, server.Streams);
    }
}
