using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Hookline.Server.Internal.Http;

/// <summary>
/// Cross-site request forgery on writes (POST, PUT, PATCH, DELETE). A page elsewhere can send a "simple" request
/// without asking: a form or <c>text/plain</c> body, no custom header. So a write must carry something a browser
/// sends across origins only after a CORS preflight, which this server never answers: a JSON or YAML content type,
/// the header <c>X-Hookline-Request</c>, or an <c>Authorization</c> header. And where a browser names the page's
/// <c>Origin</c>, it must be this server's own, unless the request carries <c>Authorization</c> (a page cannot set
/// that cross-origin, and a CLI has no origin). The sign-in and sign-out forms (<see cref="BrowserForm"/>) post a
/// plain form, so there only the Origin rule applies (every current browser names the Origin of a POST).
/// </summary>
internal static class ForgeryGuard
{
    public const string RequestHeader = HooklineHttp.RequestHeader;

    private static readonly string[] PreflightedTypes = ["application/json", "application/yaml", "application/x-yaml", "text/yaml"];

    public static void UseForgeryGuard(this WebApplication app) => app.Use((context, next) =>
    {
        var request = context.Request;
        if (!IsWrite(request.Method) || BrowserGuards.IsGrpc(context))
        {
            return next(context);
        }
        var authorized = request.Headers.Authorization.Count > 0;
        var origin = request.Headers.Origin.ToString();
        var own = request.Scheme + "://" + request.Host.Value;
        var foreign = IsForeign(request, origin, own);
        if (context.GetEndpoint()?.Metadata.GetMetadata<BrowserForm>() is not null)
        {
            return !foreign ? next(context)
                : BrowserGuards.RefuseAsync(context, StatusCodes.Status403Forbidden,
                    $"refused: this form is accepted only from this server's own pages (Origin {own}), not from '{origin}'");
        }
        if (!authorized && request.Headers[RequestHeader].Count == 0 && !IsPreflighted(request.ContentType))
        {
            return BrowserGuards.RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"refused: a {request.Method} needs Content-Type application/json or application/yaml, or the header " +
                $"{RequestHeader}: 1 (a web page cannot send either to another site without asking first); got '{request.ContentType}'");
        }
        if (!authorized && foreign)
        {
            return BrowserGuards.RefuseAsync(context, StatusCodes.Status403Forbidden,
                $"refused: a write from the page at '{origin}' is cross-origin; this server ({own}) takes writes from its own pages and from clients without an Origin");
        }
        return next(context);
    });

    /// <summary>
    /// Whether the browser says the request comes from another origin. Our pages send <c>Referrer-Policy: no-referrer</c>,
    /// under which a browser writes <c>Origin: null</c> even on a same-origin POST; then <c>Sec-Fetch-Site</c>, which no
    /// page can set, must say <c>same-origin</c> (an opaque origin such as a sandboxed frame gets <c>cross-site</c>).
    /// </summary>
    private static bool IsForeign(HttpRequest request, string origin, string own)
        => origin.Length > 0 && !string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            && !(origin == "null" && request.Headers["Sec-Fetch-Site"] == "same-origin");

    public static bool IsWrite(string method) => !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method);

    private static bool IsPreflighted(string? contentType)
        => MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            && PreflightedTypes.Contains(parsed.MediaType.Value, StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// Endpoint metadata: the dashboard's sign-in and sign-out forms. Open without a token (they are how a browser gets
/// and drops one), and posted as plain forms, so a write there needs this server's own Origin.
/// </summary>
internal sealed class BrowserForm
{
    public static readonly BrowserForm Instance = new();
}
