using Grpc.Core;
using Hookline.Contracts.V1;

namespace Hookline.LoadTool.Modes;

/// <summary>One open ProcessHookEvent stream used one decision at a time: write an event, read until its Decision.</summary>
internal sealed class SequentialStream : IDisposable
{
    private readonly AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> _call;
    private ulong _nextCorrelation;

    private SequentialStream(AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> call) => _call = call;

    public string SessionId { get; private init; } = "";

    /// <summary>Opens the stream for <paramref name="sessionId"/> and waits for the first policy snapshot, as a sidecar does.</summary>
    public static async Task<SequentialStream> OpenAsync(AgentService.AgentServiceClient client, string sessionId)
    {
        var stream = new SequentialStream(client.ProcessHookEvent()) { SessionId = sessionId };
        await stream._call.RequestStream.WriteAsync(new ProcessHookEventRequest
        {
            Open = new Open { SessionId = sessionId, SidecarVersion = "loadtool", Agent = "claude" },
        });
        while (await stream._call.ResponseStream.MoveNext(CancellationToken.None))
        {
            if (stream._call.ResponseStream.Current.KindCase == ProcessHookEventResponse.KindOneofCase.PolicySnapshot)
            {
                return stream;
            }
        }
        throw new InvalidOperationException("the stream closed before the first policy snapshot");
    }

    public async Task<Decision> DecideAsync(HookEvent hookEvent)
    {
        hookEvent.CorrelationId = ++_nextCorrelation;
        await _call.RequestStream.WriteAsync(new ProcessHookEventRequest { Event = hookEvent });
        while (await _call.ResponseStream.MoveNext(CancellationToken.None))
        {
            var response = _call.ResponseStream.Current;
            // Stored acks and snapshots arrive in between; only the matching decision ends the round trip.
            if (response.KindCase == ProcessHookEventResponse.KindOneofCase.Decision && response.Decision.CorrelationId == hookEvent.CorrelationId)
            {
                return response.Decision;
            }
        }
        throw new InvalidOperationException("the stream closed while a decision was awaited");
    }

    public async Task CompleteAsync()
    {
        await _call.RequestStream.CompleteAsync();
        while (await _call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
    }

    public void Dispose() => _call.Dispose();
}
