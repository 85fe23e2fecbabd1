using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Decisions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>
/// Claude Code's HTTP hooks (<c>"type": "http"</c>) served on loopback: <c>POST /hooks/claude/{event}</c> with the
/// hook JSON as body, behind a per-session secret header. The same <see cref="HookProcessor"/> as the socket decides,
/// so decisions, budget, spool and audit are identical; no process is spawned per tool call.
/// </summary>
internal sealed class HookHttpListener : IAsyncDisposable
{
    public const string SecretHeader = "X-Hookline-Secret";
    private const string Prefix = "/hooks/claude/";
    private static readonly TimeSpan HttpApprovalWait = TimeSpan.FromMilliseconds(AgentNames.ApprovalWaitCapMs);

    private readonly WebApplication _app;
    private readonly IHookHandler _processor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly byte[] _secret;

    private HookHttpListener(WebApplication app, IHookHandler processor, TimeProvider time, ILogger logger, string secret)
    {
        _app = app;
        _processor = processor;
        _time = time;
        _logger = logger;
        Secret = secret;
        _secret = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The URL hooks post to, without the event: <c>http://127.0.0.1:PORT/hooks/claude/</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The value of <see cref="SecretHeader"/> every request must carry.</summary>
    public string Secret { get; }

    /// <summary>Binds 127.0.0.1 on an ephemeral port (or <paramref name="port"/>), HTTP/1.1 only, and starts serving.</summary>
    public static async Task<HookHttpListener> StartAsync(IHookHandler processor, TimeProvider time, ILogger logger, int port, Core.ConnectionLimits limits,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1);
            // The body is read here, bounded by the frame cap; Kestrel's own limit would answer 413 before the secret check.
            kestrel.Limits.MaxRequestBodySize = null;
            // Any local user can connect: idle connections must not hold the sidecar's descriptors or its hooks' turn.
            (kestrel.Limits.MaxConcurrentConnections, kestrel.Limits.RequestHeadersTimeout, kestrel.Limits.KeepAliveTimeout) = limits.Checked();
        });
        builder.Services.AddSingleton<ILoggerFactory>(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var app = builder.Build();
        var listener = new HookHttpListener(app, processor, time, logger, NewSecret());
        app.Run(listener.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        listener.BaseUrl = address.TrimEnd('/') + Prefix;
        return listener;
    }

    /// <summary>32 random bytes, base64url: the session's secret.</summary>
    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        // Authentication first, without detail: a caller without the secret learns nothing about routes or events.
        if (!request.Headers.TryGetValue(SecretHeader, out var given) || given.Count != 1 || string.IsNullOrEmpty(given[0]))
        {
            RefuseAndClose(response, StatusCodes.Status401Unauthorized);
            return;
        }
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given[0]!), _secret))
        {
            RefuseAndClose(response, StatusCodes.Status403Forbidden);
            return;
        }
        var path = request.Path.Value ?? "";
        var hookEvent = path.StartsWith(Prefix, StringComparison.Ordinal) ? path[Prefix.Length..] : "";
        if (!IsEventName(hookEvent))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        var (body, truncated) = await ReadBodyAsync(request.Body, context.RequestAborted).ConfigureAwait(false);
        var readAt = _time.GetTimestamp();
        // No deadline comes with an HTTP hook: it can wait as long as a command hook may, inside the timeout Hookline's
        // wiring writes. There is no interim frame either: Claude Code simply waits for the response.
        var hook = new HookRequest(AgentNames.Claude, hookEvent, body, truncated) { ApprovalWait = HttpApprovalWait };
        ReadOnlyMemory<byte> json;
        try
        {
            json = ClaudeHttpAnswer.From(hookEvent, await _processor.HandleAsync(hook, readAt).ConfigureAwait(false));
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Whatever failed behind this endpoint, Claude gets an answer: a non-2xx status would not block.
            Log.HandlerFailed(_logger, hook.Agent, hook.Event, ex);
            json = ClaudeHttpAnswer.From(hookEvent, HookFailure.Answer(hook, _processor.FailMode, ex));
        }
        response.StatusCode = StatusCodes.Status200OK;
        if (json.Length > 0)
        {
            response.ContentType = "application/json";
            response.ContentLength = json.Length;
            await response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A caller without the secret gets its status and a closed connection, its body unread: kept alive, another local
    /// user's connections could hold every slot of the limit with one bad request each per keep-alive period.
    /// </summary>
    private static void RefuseAndClose(HttpResponse response, int status)
    {
        response.StatusCode = status;
        response.Headers.Connection = "close";
    }

    /// <summary>Reads the body up to the frame cap; beyond it the body is cut and flagged, as the hook does with stdin.</summary>
    private static async Task<(ReadOnlyMemory<byte> Body, bool Truncated)> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var room = HookFrame.MaxPayloadBytes - (int)buffer.Length;
            if (read > room)
            {
                buffer.Write(chunk, 0, room);
                return (buffer.ToArray(), true);
            }
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), false);
    }

    private static bool IsEventName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => c is (>= 'a' and <= 'z') or '-');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
