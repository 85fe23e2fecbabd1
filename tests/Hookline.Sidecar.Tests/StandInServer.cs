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
/// What every stand-in server shares: its agent service on loopback over HTTP/2 (Kestrel, real gRPC), and a session
/// that is always accepted. Each stand-in scripts only its stream.
/// </summary>
internal abstract class StandInServer : AgentService.AgentServiceBase, IAsyncDisposable
{
    private WebApplication? _app;

    public string Url { get; private set; } = "";

    public override Task<CreateSessionResponse> CreateSession(CreateSessionRequest request, ServerCallContext context) =>
        Task.FromResult(new CreateSessionResponse { SessionId = request.SessionId, Status = SessionStatus.Active });

    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) =>
        Task.FromResult(new HeartbeatResponse { Status = SessionStatus.Active });

    /// <summary>Serves <paramref name="service"/> on an ephemeral loopback port.</summary>
    public static async Task<T> StartAsync<T>(T service) where T : StandInServer
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<T>();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        service._app = app;
        service.Url = url.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
