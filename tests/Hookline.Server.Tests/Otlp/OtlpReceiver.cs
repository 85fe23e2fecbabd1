using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Tests.Otlp;

/// <summary>
/// An OTLP collector on 127.0.0.1 for tests: the collector's LogsService and MetricsService over gRPC (HTTP/2
/// cleartext) on one port, and <c>POST /v1/logs</c> and <c>/v1/metrics</c> (http/protobuf) on another. It keeps what
/// it receives; a test awaits what it expects, bounded by <see cref="Bound.Hang"/>.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;

    public Inbox<LogRecord> Logs { get; } = new();

    public Inbox<Metric> Metrics { get; } = new();

    /// <summary>The base URL for <c>grpc</c> or for <c>http/protobuf</c>.</summary>
    public Uri EndpointFor(string protocol) => protocol == "grpc" ? _grpc : _http;

    private Uri _grpc = null!;
    private Uri _http = null!;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddSingleton(receiver);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<LogsReceiver>();
        app.MapGrpcService<MetricsReceiver>();
        app.MapPost("/v1/logs", context => ReadAsync(context, ExportLogsServiceRequest.Parser, receiver.Received));
        app.MapPost("/v1/metrics", context => ReadAsync(context, ExportMetricsServiceRequest.Parser, receiver.Received));
        await app.StartAsync();
        receiver._app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        receiver._grpc = new Uri(addresses[0]);
        receiver._http = new Uri(addresses[1]);
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Received(ExportLogsServiceRequest request)
        => Logs.AddRange(request.ResourceLogs.SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords));

    private void Received(ExportMetricsServiceRequest request)
        => Metrics.AddRange(request.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics));

    private static async Task ReadAsync<T>(HttpContext context, MessageParser<T> parser, Action<T> received) where T : IMessage<T>
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        received(parser.ParseFrom(body.ToArray()));
        context.Response.ContentType = "application/x-protobuf";
    }

    private sealed class LogsReceiver(OtlpReceiver receiver) : LogsService.LogsServiceBase
    {
        public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
        {
            receiver.Received(request);
            return Task.FromResult(new ExportLogsServiceResponse());
        }
    }

    private sealed class MetricsReceiver(OtlpReceiver receiver) : MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            receiver.Received(request);
            return Task.FromResult(new ExportMetricsServiceResponse());
        }
    }
}

/// <summary>What arrived, and waits for the first item that matches, bounded by <see cref="Bound.Hang"/>.</summary>
internal sealed class Inbox<T>
{
    private readonly List<T> _items = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Found)> _waiting = [];

    public void AddRange(IEnumerable<T> items)
    {
        lock (_items)
        {
            foreach (var item in items)
            {
                _items.Add(item);
                foreach (var waiter in _waiting.Where(w => w.Match(item)).ToList())
                {
                    waiter.Found.TrySetResult(item);
                    _waiting.Remove(waiter);
                }
            }
        }
    }

    public Task<T> FirstAsync(Func<T, bool> match, string what)
    {
        var found = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_items)
        {
            if (_items.FirstOrDefault(match) is { } item)
            {
                return Task.FromResult(item);
            }
            _waiting.Add((match, found));
        }
        return Bound.Within(found.Task, what);
    }
}
