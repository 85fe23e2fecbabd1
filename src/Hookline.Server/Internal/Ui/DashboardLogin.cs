using Hookline.Server.Internal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// With tokens on, a browser cannot send a bearer header: <c>/ui/login</c> takes a <c>read</c> (or <c>admin</c>)
/// token once and keeps it in an HttpOnly, SameSite=Strict cookie that the authorization check accepts in place of
/// the header. The token never appears in a URL, so it stays out of logs and browser history.
/// </summary>
internal static class DashboardLogin
{
    public const string Path = "/ui/login";
    public const string Cookie = "hookline_token";

    public static void Map(WebApplication app)
    {
        var authenticator = app.Services.GetRequiredService<Authenticator>();
        app.MapGet(Path, context => Form(context, Refusal.None)).AllowWithoutToken();
        app.MapPost(Path, async context =>
        {
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync().ConfigureAwait(false) : null;
            var token = form?["token"].ToString().Trim() ?? "";
            var outcome = token.Length == 0 ? AuthOutcome.Unauthenticated
                : authenticator.Check("Bearer " + token, TokenScope.Read, "POST " + Path, out _);
            if (outcome == AuthOutcome.Unavailable)
            {
                // The token was not judged: say "try again", not "wrong token".
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                await Form(context, Refusal.Unavailable).ConfigureAwait(false);
                return;
            }
            if (outcome != AuthOutcome.Allowed)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await Form(context, Refusal.Token).ConfigureAwait(false);
                return;
            }
            context.Response.Cookies.Append(Cookie, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
            });
            context.Response.Redirect("/ui");
        }).AllowWithoutToken();
    }

    private enum Refusal { None, Token, Unavailable }

    private static Task Form(HttpContext context, Refusal refusal)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        var message = refusal switch
        {
            Refusal.Token => "<p class=\"deny\">That token is unknown, revoked, or lacks the read scope.</p>",
            Refusal.Unavailable => "<p class=\"deny\">The server cannot check tokens right now (its database is unreachable). Try again shortly.</p>",
            _ => "",
        };
        return context.Response.WriteAsync($"""
            <!doctype html><html><head><meta charset="utf-8"><title>Hookline: sign in</title>
            <link rel="stylesheet" href="/ui/assets/dashboard.css"></head>
            <body><main><h1>Hookline</h1>{message}
            <form method="post" action="{Path}"><label>Access token (scope read or admin)
            <input type="password" name="token" autocomplete="off" required></label>
            <button type="submit">Sign in</button></form></main></body></html>
            """);
    }
}
