using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.Http;

/// <summary>
/// DNS rebinding: a page at attacker.example re-points its own name to 127.0.0.1 and then reads this server as
/// "same origin". Its requests still say <c>Host: attacker.example</c>. With authentication off nothing else tells
/// such a request apart, so only loopback names are answered (421 otherwise), and on TCP only with this listener's port.
/// </summary>
internal static class LoopbackHostFilter
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    public static void UseLoopbackHostFilter(this WebApplication app) => app.Use((context, next) =>
    {
        if (BrowserGuards.IsGrpc(context) || IsAllowed(context))
        {
            return next(context);
        }
        return BrowserGuards.RefuseAsync(context, StatusCodes.Status421MisdirectedRequest,
            $"misdirected request: Host '{context.Request.Host.Value}' is not this server. With authentication off it answers only " +
            "Host localhost, 127.0.0.1 or [::1] with its own port, which keeps DNS-rebinding pages out: use one of those in the URL");
    });

    internal static bool IsAllowed(HttpContext context)
    {
        var host = context.Request.Host;
        if (!host.HasValue)
        {
            // HTTP/1.0 without Host: no browser sends that.
            return true;
        }
        if (!LoopbackNames.Contains(host.Host, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }
        // A Unix-socket peer has no port to compare; on TCP the port must be the one this request arrived on.
        return host.Port is not { } port || context.Connection.LocalPort == 0 || port == context.Connection.LocalPort;
    }
}
