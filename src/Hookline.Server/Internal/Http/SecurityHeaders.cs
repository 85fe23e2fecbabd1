using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.Http;

/// <summary>
/// The headers every HTTP response carries, pages, API and refusals alike: no framing (clickjacking), no content
/// sniffing, no referrer (URLs hold filters and ids), and a policy that lets a page load only this server's script
/// and styles. One value for all responses: the API gains nothing from a looser one.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static void UseSecurityHeaders(this WebApplication app) => app.Use((context, next) =>
    {
        if (!BrowserGuards.IsGrpc(context))
        {
            // Set as the headers go out, so a handler that clears its response (a 503 for a lost database) keeps them.
            context.Response.OnStarting(Apply, context.Response);
        }
        return next(context);
    });

    private static Task Apply(object state)
    {
        var headers = ((HttpResponse)state).Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return Task.CompletedTask;
    }
}
