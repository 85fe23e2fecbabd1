using System.Net;
using Hookline.Server.Tests.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Tests.Webhook;

/// <summary>
/// A webhook receiver on 127.0.0.1 (its own Kestrel): keeps every POST with its headers and body, answers the status
/// <see cref="Status"/> gives for the request's number, and while <see cref="Hold"/> is set holds each request (after
/// recording it) until the hold is released.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;
    private int _count;

    public Inbox<ReceivedNotice> Requests { get; } = new();

    /// <summary>The status of request number N (from 1); a 3xx also sends <c>Location: /elsewhere</c>.</summary>
    public Func<int, int> Status { get; set; } = _ => StatusCodes.Status200OK;

    public TaskCompletionSource? Hold { get; set; }

    public Uri Url { get; private set; } = null!;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Listens on <paramref name="port"/> (0: any free one).</summary>
    public static async Task<WebhookReceiver> StartAsync(int port = 0)
    {
        var receiver = new WebhookReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.Run(receiver.ReceiveAsync);
        await app.StartAsync();
        receiver._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = new Uri(address + "/hook");
        return receiver;
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var number = Interlocked.Increment(ref _count);
        var headers = context.Request.Headers;
        Requests.AddRange([new ReceivedNotice(number, context.Request.Path, headers["X-Hookline-Signature"].ToString(),
            headers["X-Hookline-Delivery"].ToString(), headers["X-Hookline-Event"].ToString(), context.Request.ContentType ?? "", body.ToArray())]);
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(context.RequestAborted);
        }
        var status = Status(number);
        context.Response.StatusCode = status;
        if (status is >= 300 and < 400)
        {
            context.Response.Headers.Location = "/elsewhere";
        }
    }

    public async ValueTask DisposeAsync()
    {
        Hold?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record ReceivedNotice(int Number, string Path, string Signature, string DeliveryId, string Event, string ContentType, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}
