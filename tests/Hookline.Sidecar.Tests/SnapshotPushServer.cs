using System.Threading.Channels;
using Grpc.Core;
using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A stand-in server on loopback that pushes the snapshots a test hands it (what a newer server would send), never
/// answers an event (so every blocking hook is decided locally, past the budget) and records what the sidecar refused.
/// </summary>
internal sealed class SnapshotPushServer : StandInServer
{
    /// <summary>Snapshots to push on the open stream, in order.</summary>
    public Channel<PolicySnapshot> Pushes { get; } = Channel.CreateUnbounded<PolicySnapshot>();

    /// <summary>What the sidecar said on the stream about snapshots it could not install.</summary>
    public Channel<SnapshotRefused> Refusals { get; } = Channel.CreateUnbounded<SnapshotRefused>();

    /// <summary>Every event the sidecar sent on the stream.</summary>
    public Channel<HookEvent> Events { get; } = Channel.CreateUnbounded<HookEvent>();

    public static Task<SnapshotPushServer> StartAsync() => StandInServer.StartAsync(new SnapshotPushServer());

    public override async Task ProcessHookEvent(IAsyncStreamReader<ProcessHookEventRequest> requestStream,
        IServerStreamWriter<ProcessHookEventResponse> responseStream, ServerCallContext context)
    {
        // One writer: pushed snapshots and pongs go through this channel.
        var outgoing = Channel.CreateUnbounded<ProcessHookEventResponse>();
        var cancellation = context.CancellationToken;
        var pusher = Task.Run(async () =>
        {
            await foreach (var snapshot in Pushes.Reader.ReadAllAsync(cancellation))
            {
                outgoing.Writer.TryWrite(new ProcessHookEventResponse { PolicySnapshot = snapshot });
            }
        }, cancellation);
        var writer = Task.Run(async () =>
        {
            await foreach (var response in outgoing.Reader.ReadAllAsync(cancellation))
            {
                await responseStream.WriteAsync(response, cancellation);
            }
        }, cancellation);
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(cancellation))
            {
                switch (request.KindCase)
                {
                    case ProcessHookEventRequest.KindOneofCase.Ping:
                        outgoing.Writer.TryWrite(new ProcessHookEventResponse { Pong = new Pong { Nonce = request.Ping.Nonce } });
                        break;
                    case ProcessHookEventRequest.KindOneofCase.SnapshotRefused:
                        Refusals.Writer.TryWrite(request.SnapshotRefused);
                        break;
                    case ProcessHookEventRequest.KindOneofCase.Event:
                        Events.Writer.TryWrite(request.Event);
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        outgoing.Writer.TryComplete();
        await Task.WhenAll(pusher, writer).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
