using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// With tokens on, a browser cannot send a bearer header: <c>/ui/login</c> takes a <c>read</c> (or <c>admin</c>), or
/// an <c>approve</c> token (an OIDC JWT: <c>hookline:read</c> or <c>hookline:approve</c>) once and answers with a session cookie (<see cref="DashboardSessions"/>): HttpOnly, SameSite=Strict and,
/// where the browser allows it, <c>__Host-</c>. The token never appears in a URL or a cookie. <c>/ui/logout</c>
/// ends the session. A sign-in returns to the dashboard page that sent the browser here (<c>?next=</c>: the page a
/// webhook's link opened), with the session's answer key in the URL's fragment, which the page's script keeps.
/// </summary>
internal static class DashboardLogin
{
    public const string Path = "/ui/login";
    public const string SignOutPath = "/ui/logout";
    public const string NextField = "next";
    /// <summary>The fragment that hands the answer key to the page's script (live.js), which keeps it and drops it from the URL.</summary>
    public const string AnswerKeyFragment = "hookline-answer-key=";

    /// <summary>Where a browser that must sign in is sent: back to the page it asked for afterwards.</summary>
    public static string PathReturningTo(HttpRequest request)
        => Path + "?" + NextField + "=" + Uri.EscapeDataString(request.Path.Value + request.QueryString.Value);

    /// <summary>A dashboard page of this server, or <paramref name="home"/>: never a redirect elsewhere (//host, /\host, a scheme).</summary>
    public static string SafeNext(string? next, string home = "/ui")
        => next is { Length: > 3 and <= 2048 } && next.StartsWith("/ui/", StringComparison.Ordinal) && !next.Contains("//", StringComparison.Ordinal)
            && !next.Contains('\\', StringComparison.Ordinal) && !next.Contains('#', StringComparison.Ordinal) && next.All(c => c > ' ' && c < 127)
            ? next : home;

    public static void Map(WebApplication app)
    {
        var authenticator = app.Services.GetRequiredService<Authenticator>();
        var sessions = app.Services.GetRequiredService<DashboardSessions>();
        app.MapGet(Path, context => Form(context, Refusal.None)).WithMetadata(BrowserForm.Instance).AllowWithoutToken();
        app.MapPost(Path, async context =>
        {
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync().ConfigureAwait(false) : null;
            var token = form?["token"].ToString().Trim() ?? "";
            // An approver's token (scope approve) signs in too: it sees the approvals pages and nothing else.
            var (outcome, caller) = token.Length == 0 ? (AuthOutcome.Unauthenticated, Caller.Unauthenticated)
                : await authenticator.CheckAsync("Bearer " + token, TokenScope.Read, TokenScope.Approve, "POST " + Path, context.RequestAborted)
                    .ConfigureAwait(false);
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
            var name = DashboardSessions.CookieName(context.Request);
            if (context.Request.Cookies[name] is { } previous)
            {
                sessions.End(previous);
            }
            var session = sessions.Create(token);
            context.Response.Cookies.Append(name, session.Id, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = name.StartsWith("__Host-", StringComparison.Ordinal),
                Path = "/",
                MaxAge = DashboardSessions.Lifetime,
            });
            var home = caller.Has(TokenScope.Read) ? "/ui" : DashboardApprovals.PagePath;
            context.Response.Redirect(SafeNext(form?[NextField], home) + "#" + AnswerKeyFragment + session.AnswerKey);
        }).WithMetadata(BrowserForm.Instance).AllowWithoutToken();
        // Reached only with the page's CSRF token when a session is open (DashboardSessions.Use checks it).
        app.MapPost(SignOutPath, context =>
        {
            if (DashboardSessions.Of(context) is { } session)
            {
                sessions.End(session.Id);
            }
            context.Response.Cookies.Delete(DashboardSessions.CookieName(context.Request), new CookieOptions
            {
                Secure = DashboardSessions.CookieName(context.Request).StartsWith("__Host-", StringComparison.Ordinal),
                Path = "/",
            });
            context.Response.Redirect(Path);
            return Task.CompletedTask;
        }).WithMetadata(BrowserForm.Instance).AllowWithoutToken();
    }

    private enum Refusal { None, Token, Unavailable }

    private static Task Form(HttpContext context, Refusal refusal)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var message = refusal switch
        {
            Refusal.Token => "<p class=\"deny\">That token is unknown, revoked, or lacks the read (or approve) scope.</p>",
            Refusal.Unavailable => "<p class=\"deny\">The server cannot check tokens right now (its database is unreachable). Try again shortly.</p>",
            _ => "",
        };
        // Signing in again (another token) from a signed-in browser is a write by cookie: it carries the CSRF token too.
        var csrf = DashboardSessions.Of(context) is { } session
            ? $"<input type=\"hidden\" name=\"{DashboardSessions.CsrfField}\" value=\"{Html.Attr(session.Csrf)}\">" : "";
        var next = context.Request.HasFormContentType ? context.Request.Form[NextField].ToString() : context.Request.Query[NextField].ToString();
        var back = next.Length > 0 ? $"<input type=\"hidden\" name=\"{NextField}\" value=\"{Html.Attr(SafeNext(next))}\">" : "";
        return context.Response.WriteAsync($"""
            <!doctype html><html><head><meta charset="utf-8"><title>Hookline: sign in</title>
            <link rel="stylesheet" href="/ui/assets/dashboard.css"></head>
            <body><main><h1>Hookline</h1>{message}
            <form method="post" action="{Path}">{csrf}{back}<label>Access token (scope read, admin or approve)
            <input type="password" name="token" autocomplete="off" required></label>
            <button type="submit">Sign in</button></form></main></body></html>
            """);
    }
}
