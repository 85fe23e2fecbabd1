using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// The one check every HTTP endpoint gets (the read API, the dashboard, metrics, token admin), after routing: the
/// scope the matched endpoint requires (<see cref="EndpointScope"/>). Only endpoints marked open (<c>/healthz</c>, the
/// sign-in form) skip it. gRPC endpoints are left to <see cref="AuthInterceptor"/>. A dashboard session cookie
/// authorizes read scope only, whatever the token behind it (docs/security.md, "The browser").
/// </summary>
internal static class HttpAuthorization
{
    private const string CallerKey = "hookline.caller";

    public const string CookieReadsOnlyDetail =
        "refused: a dashboard sign-in only reads; send the token in an Authorization: Bearer header (hookline token/policy --server) to change anything";

    public static void UseHooklineAuthorization(this WebApplication app)
    {
        var authenticator = app.Services.GetRequiredService<Authenticator>();
        app.Use(async (context, next) =>
        {
            if (IsOpen(context))
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            var needed = EndpointScope.Required(context);
            var orElse = EndpointScope.Alternative(context);
            // A browser signed in at /ui/login carries a session cookie instead of the header (see DashboardSessions).
            var header = context.Request.Headers.Authorization.ToString();
            var fromCookie = header.Length == 0 ? Ui.DashboardSessions.CredentialOf(context) : null;
            var (outcome, caller) = await authenticator.CheckAsync(fromCookie ?? header, needed, orElse,
                context.Request.Method + " " + context.Request.Path, context.RequestAborted).ConfigureAwait(false);
            switch (outcome)
            {
                case AuthOutcome.Unauthenticated when HttpMethods.IsGet(context.Request.Method)
                    && context.Request.Path.StartsWithSegments("/ui", StringComparison.OrdinalIgnoreCase):
                    context.Response.Redirect(Ui.DashboardLogin.PathReturningTo(context.Request));
                    return;
                case AuthOutcome.Unauthenticated:
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsync(Authenticator.UnauthenticatedDetail + "\n").ConfigureAwait(false);
                    return;
                case AuthOutcome.Forbidden:
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    await context.Response.WriteAsync(Authenticator.ForbiddenDetail + "\n").ConfigureAwait(false);
                    return;
                case AuthOutcome.Unavailable:
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    context.Response.Headers.RetryAfter = "1";
                    await context.Response.WriteAsync(Authenticator.UnavailableDetail + "\n").ConfigureAwait(false);
                    return;
                case AuthOutcome.Allowed when fromCookie is not null && needed != TokenScope.Read && orElse != TokenScope.Read:
                    // Browsers send a cookie to every port of the host, so a page another local user serves on
                    // 127.0.0.1 can make it leak: the cookie only ever reads, whatever token signed in.
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    await context.Response.WriteAsync(CookieReadsOnlyDetail + "\n").ConfigureAwait(false);
                    return;
            }
            context.Items[CallerKey] = caller;
            await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>Who made this HTTP request (after the check passed).</summary>
    public static Caller CallerOf(HttpContext context)
        => context.Items.TryGetValue(CallerKey, out var caller) && caller is Caller c ? c : Caller.Unauthenticated;

    private static bool IsOpen(HttpContext context)
        => EndpointScope.IsOpen(context) || context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;
}
