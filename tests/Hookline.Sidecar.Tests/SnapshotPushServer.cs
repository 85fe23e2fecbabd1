using System.Threading.Channels;
using Grpc.Core;
using Hookline.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A stand-in server on loopback that pushes the snapshots a test hands it (what a newer server would send), never
/// answers an event (so every blocking hook is decided locally, past the budget) and records what the sidecar refused.
/// </summary>
internal sealed class SnapshotPushServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SnapshotPushServer(WebApplication app, Service service, string url)
    {
        _app = app;
        Pushes = service.Pushes;
        Refusals = service.Refusals;
        Events = service.Events;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Snapshots to push on the open stream, in order.</summary>
    public Channel<PolicySnapshot> Pushes { get; }

    /// <summary>What the sidecar said on the stream about snapshots it could not install.</summary>
    public Channel<SnapshotRefused> Refusals { get; }

    /// <summary>Every event the sidecar sent on the stream.</summary>
    public Channel<HookEvent> Events { get; }

    public static async Task<SnapshotPushServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var service = new Service();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SnapshotPushServer(app, service, url.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Service : AgentService.AgentServiceBase
    {
        public Channel<PolicySnapshot> Pushes { get; } = Channel.CreateUnbounded<PolicySnapshot>();

        public Channel<SnapshotRefused> Refusals { get; } = Channel.CreateUnbounded<SnapshotRefused>();

        public Channel<HookEvent> Events { get; } = Channel.CreateUnbounded<HookEvent>();

        public override Task<CreateSessionResponse> CreateSession(CreateSessionRequest request, ServerCallContext context) =>
            Task.FromResult(new CreateSessionResponse { SessionId = request.SessionId, Status = SessionStatus.Active });

        public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) =>
            Task.FromResult(new HeartbeatResponse { Status = SessionStatus.Active });

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
}
