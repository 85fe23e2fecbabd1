using System.Net;
using Hookline.Server.Internal.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.ReadApi;

/// <summary>
/// Who may read the dashboard and the read API: the one place where access is decided. Until access tokens exist,
/// only loopback (and Unix-socket) clients may, and the server refuses to serve them on any other bind.
/// </summary>
internal static class ReadAccess
{
    /// <summary>Throws when <c>/ui</c> and <c>/api</c> would be reachable from other machines.</summary>
    public static void EnsureBindAllowed(ListenAddress? http, string option)
    {
        if (http?.Tcp is { } endpoint && !IPAddress.IsLoopback(endpoint.Address))
        {
            throw new ArgumentException(
                $"{option}: the dashboard and the read API (/ui, /api) are served on loopback only, and {endpoint.Address} is not " +
                "loopback. Listen on 127.0.0.1 (and reach it through an SSH tunnel), or pass --no-dashboard to serve only /healthz and /metrics there.");
        }
    }

    public static bool IsProtected(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/ui");

    /// <summary>The per-request check: 403 for any non-local peer (defence in depth behind the bind check).</summary>
    public static void Use(WebApplication app) => app.Use((context, next) =>
    {
        if (IsProtected(context.Request.Path) && !IsLocal(context.Connection.RemoteIpAddress))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync("forbidden: the dashboard and the read API answer loopback clients only\n");
        }
        return next(context);
    });

    // A Unix-socket peer has no IP address; the socket's file permissions decide who reaches it.
    private static bool IsLocal(IPAddress? address) => address is null || IPAddress.IsLoopback(address);
}
