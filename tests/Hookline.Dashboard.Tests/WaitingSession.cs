using System.Text.Json;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Dashboard.Tests;

/// <summary>
/// A sidecar's stream to a server in this process, as <c>hookline start</c>'s own sidecar has it (in memory, with
/// this run's sidecar credential): it announces that it can wait on approvals, sends hook events and reads what the
/// server says, resolutions included.
/// </summary>
internal sealed class WaitingSession : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> _call;
    private readonly Channel<ProcessHookEventResponse> _received = Channel.CreateUnbounded<ProcessHookEventResponse>();
    private readonly Task _reader;
    private readonly string _sessionId = Guid.NewGuid().ToString();
    private ulong _correlation;

    private WaitingSession(AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> call)
    {
        _call = call;
        _reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in _call.ResponseStream.ReadAllAsync())
                {
                    _received.Writer.TryWrite(message);
                }
                _received.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                _received.Writer.TryComplete(ex);
            }
        });
    }

    public static async Task<WaitingSession> OpenAsync(HooklineServer server, RunCredential sidecar)
    {
        var client = new AgentService.AgentServiceClient(server.CreateInProcessInvoker());
        var session = new WaitingSession(client.ProcessHookEvent(new Metadata { { "authorization", "Bearer " + sidecar.Secret } }));
        var open = new Open { SessionId = session._sessionId, SidecarVersion = "test", Agent = "claude" };
        open.Capabilities.Add(ApprovalProtocol.SidecarCapability);
        await session.SendAsync(new ProcessHookEventRequest { Open = open });
        await session.NextAsync(m => m.KindCase == Kind.PolicySnapshot);
        return session;
    }

    /// <summary>A Bash call the hook can wait <paramref name="waitMs"/> on; returns the server's decision.</summary>
    public async Task<Decision> DecideAsync(string command, uint waitMs = 60_000)
    {
        var correlation = ++_correlation;
        await SendAsync(new ProcessHookEventRequest
        {
            Event = new HookEvent
            {
                CorrelationId = correlation, EventId = Guid.NewGuid().ToString(), SessionId = _sessionId, Agent = "claude",
                AgentSessionId = "agent-session", HookEventName = "PreToolUse", NativeEvent = "PreToolUse", ToolName = "Bash",
                NativeToolName = "Bash", ToolUseId = "toolu_" + Guid.NewGuid().ToString("N")[..12],
                ToolInput = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new Dictionary<string, string> { ["command"] = command })),
                Cwd = "/tmp/project", PermissionMode = "default", Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                DecisionWanted = true, ApprovalWaitMs = waitMs,
            },
        });
        return (await NextAsync(m => m.KindCase == Kind.Decision && m.Decision.CorrelationId == correlation)).Decision;
    }

    /// <summary>The resolution of each of <paramref name="approvalIds"/>, as the server sent them on this stream.</summary>
    public async Task<Dictionary<string, ApprovalResolved>> ResolvedAsync(params string[] approvalIds)
    {
        var resolved = new Dictionary<string, ApprovalResolved>();
        while (!approvalIds.All(resolved.ContainsKey))
        {
            var message = await NextAsync(m => m.KindCase == Kind.ApprovalResolved);
            resolved[message.ApprovalResolved.ApprovalId] = message.ApprovalResolved;
        }
        return resolved;
    }

    private async Task SendAsync(ProcessHookEventRequest request) => await _call.RequestStream.WriteAsync(request).WaitAsync(Bound.Hang);

    private async Task<ProcessHookEventResponse> NextAsync(Func<ProcessHookEventResponse, bool> wanted)
    {
        while (true)
        {
            var message = await Bound.Within(_received.Reader.ReadAsync().AsTask(), "message from the server");
            if (wanted(message))
            {
                return message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync().WaitAsync(Bound.Hang);
            await _reader.WaitAsync(Bound.Hang);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or TimeoutException)
        {
        }
        _call.Dispose();
    }
}
