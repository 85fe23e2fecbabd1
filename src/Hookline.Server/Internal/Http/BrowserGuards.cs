using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.Http;

/// <summary>
/// What keeps a web page in the user's browser from using this server: the response headers, the Host check (DNS
/// rebinding) and the forgery check on writes. Runs before authentication, so it also guards a server without tokens.
/// </summary>
internal static class BrowserGuards
{
    /// <param name="loopbackHostsOnly">Authentication is off on a loopback listener: then the Host is all that tells
    /// a local client from a rebound page, and only loopback names are answered.</param>
    public static void UseBrowserGuards(this WebApplication app, bool loopbackHostsOnly)
    {
        app.UseSecurityHeaders();
        if (loopbackHostsOnly)
        {
            app.UseLoopbackHostFilter();
        }
        app.UseForgeryGuard();
    }

    /// <summary>gRPC calls come from sidecars over HTTP/2, never from a page: the browser checks leave them alone.</summary>
    public static bool IsGrpc(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;

    public static Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
