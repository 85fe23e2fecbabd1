using Grpc.Core;
using Hookline.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Reliability.Tests;

/// <summary>
/// A stand-in server on loopback: pushes a snapshot, then a message of its choosing, then denies every event with
/// <see cref="Reason"/> and acknowledges it as stored. For what a real server never sends.
/// </summary>
internal sealed class FakeServer : IAsyncDisposable
{
    public const string Reason = "denied by the fake server";
    private readonly WebApplication _app;
    private readonly Service _service;

    private FakeServer(WebApplication app, Service service, string url)
    {
        _app = app;
        _service = service;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Streams opened so far (1 means the sidecar never had to reconnect).</summary>
    public int Streams => _service.Streams;

    public static async Task<FakeServer> StartAsync(string policy, ProcessHookEventResponse extra)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var service = new Service(policy, extra);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeServer(app, service, url.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Service(string policy, ProcessHookEventResponse extra) : AgentService.AgentServiceBase
    {
        private int _streams;

        public int Streams => Volatile.Read(ref _streams);

        public override Task<CreateSessionResponse> CreateSession(CreateSessionRequest request, ServerCallContext context) =>
            Task.FromResult(new CreateSessionResponse { SessionId = request.SessionId, Status = SessionStatus.Active });

        public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) =>
            Task.FromResult(new HeartbeatResponse { Status = SessionStatus.Active });

        public override async Task ProcessHookEvent(IAsyncStreamReader<ProcessHookEventRequest> requestStream,
            IServerStreamWriter<ProcessHookEventResponse> responseStream, ServerCallContext context)
        {
            Interlocked.Increment(ref _streams);
            await responseStream.WriteAsync(new ProcessHookEventResponse
            {
                PolicySnapshot = new PolicySnapshot { Epoch = 1, Hash = "fake", Document = policy, Mode = PolicyMode.Enforce },
            });
            await responseStream.WriteAsync(extra);
            try
            {
                await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
                {
                    if (request.KindCase == ProcessHookEventRequest.KindOneofCase.Ping)
                    {
                        await responseStream.WriteAsync(new ProcessHookEventResponse { Pong = new Pong { Nonce = request.Ping.Nonce } });
                    }
                    if (request.KindCase != ProcessHookEventRequest.KindOneofCase.Event)
                    {
                        continue;
                    }
                    var hookEvent = request.Event;
                    if (hookEvent.DecisionWanted)
                    {
                        await responseStream.WriteAsync(new ProcessHookEventResponse
                        {
                            Decision = new Decision
                            {
                                CorrelationId = hookEvent.CorrelationId, EventId = hookEvent.EventId, Verdict = Verdict.Deny,
                                Evaluated = Verdict.Deny, Reason = Reason, ReasonCode = "rule", PolicyEpoch = 1,
                            },
                        });
                    }
                    await responseStream.WriteAsync(new ProcessHookEventResponse { StoredAck = new StoredAck { EventIds = { hookEvent.EventId } } });
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
