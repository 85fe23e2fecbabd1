using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hookline.Server.Internal.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// Browser sign-ins (auth on): the cookie holds a random session id, never the token. The token stays in this
/// process's memory beside a per-session CSRF token and an expiry, and is checked again on every request, so a
/// revoked token ends its sessions too. Reads need the cookie; a write also needs the CSRF token the pages carry
/// (header <see cref="CsrfHeader"/> or form field <c>csrf</c>). A session authorizes read scope only, whatever its
/// token (see HttpAuthorization): browsers send cookies to every port of the host, so the cookie can leak to another
/// local user's server on 127.0.0.1. Sign-out and a restart forget the session.
/// </summary>
internal sealed class DashboardSessions(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    public const int MaxSessions = 4096;
    public const int MaxSessionsPerToken = 16;
    public const string CsrfHeader = "X-Hookline-Csrf";
    public const string CsrfField = "csrf";
    private const string SessionKey = "hookline.dashboard-session";

    private readonly ConcurrentDictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    public DashboardSession Create(string token)
    {
        var now = time.GetUtcNow();
        // One token holds a few sessions at most: its own sign-ins replace its oldest, so signing in over and over
        // with one token can never push other people's sessions out of the bounded map.
        var own = _sessions.Where(p => p.Value.Token == token).OrderBy(p => p.Value.Expires).Select(p => p.Key).ToList();
        foreach (var oldest in own.Take(Math.Max(0, own.Count - MaxSessionsPerToken + 1)))
        {
            _sessions.TryRemove(oldest, out _);
        }
        if (_sessions.Count >= MaxSessions)
        {
            // Bounded: expired sessions go first; if the map is still full, the oldest do.
            foreach (var stale in _sessions.Where(p => p.Value.Expires <= now).Select(p => p.Key).ToList())
            {
                _sessions.TryRemove(stale, out _);
            }
            foreach (var oldest in _sessions.OrderBy(p => p.Value.Expires).Take(_sessions.Count - MaxSessions + 1).Select(p => p.Key).ToList())
            {
                _sessions.TryRemove(oldest, out _);
            }
        }
        var session = new DashboardSession(NewSecret(), NewSecret(), token, now + Lifetime) { AnswerKey = NewSecret() };
        _sessions[session.Id] = session;
        return session;
    }

    public DashboardSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }
        if (session.Expires <= time.GetUtcNow())
        {
            _sessions.TryRemove(id, out _);
            return null;
        }
        return session;
    }

    public void End(string id) => _sessions.TryRemove(id, out _);

    /// <summary>
    /// <c>__Host-</c> (Secure, host-only, path /) wherever the browser treats the origin as secure: HTTPS, and
    /// http://localhost, 127.0.0.1 and [::1] in Chromium and Firefox. Over plain HTTP to any other name a browser
    /// would drop a Secure cookie, so the name there has no prefix (and the token travels in clear text anyway).
    /// </summary>
    public static string CookieName(HttpRequest request)
        => request.IsHttps || IsLoopbackName(request.Host.Host) ? "__Host-hookline_session" : "hookline_session";

    public static bool IsLoopbackName(string host)
        => host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>The session this request's cookie names, once <see cref="Use"/> has accepted it.</summary>
    public static DashboardSession? Of(HttpContext context)
        => context.Items.TryGetValue(SessionKey, out var value) ? value as DashboardSession : null;

    /// <summary>The bearer credential of the request's session, for the authorization check (read scope only); null without one.</summary>
    public static string? CredentialOf(HttpContext context) => Of(context) is { } session ? "Bearer " + session.Token : null;

    /// <summary>Resolves the session cookie (a request with its own Authorization header ignores it) and checks the CSRF token on writes.</summary>
    public static void Use(WebApplication app)
    {
        var sessions = app.Services.GetRequiredService<DashboardSessions>();
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Headers.Authorization.Count > 0 || BrowserGuards.IsGrpc(context)
                || sessions.Find(request.Cookies[CookieName(request)]) is not { } session)
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            if (ForgeryGuard.IsWrite(request.Method) && !await CarriesCsrfAsync(request, session).ConfigureAwait(false))
            {
                await BrowserGuards.RefuseAsync(context, StatusCodes.Status403Forbidden,
                    $"refused: a signed-in browser's {request.Method} needs the CSRF token of its dashboard page (header {CsrfHeader})").ConfigureAwait(false);
                return;
            }
            context.Items[SessionKey] = session;
            await next(context).ConfigureAwait(false);
        });
    }

    private static async Task<bool> CarriesCsrfAsync(HttpRequest request, DashboardSession session)
    {
        var presented = request.Headers[CsrfHeader].ToString();
        if (presented.Length == 0 && request.HasFormContentType)
        {
            presented = (await request.ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false))[CsrfField].ToString();
        }
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(session.Csrf));
    }

    private static string NewSecret() => Tokens.Base64Url(RandomNumberGenerator.GetBytes(32));
}

/// <summary>One browser sign-in: its cookie id, the CSRF token its pages carry, the token it signed in with, and when it ends.</summary>
internal sealed record DashboardSession(string Id, string Csrf, string Token, DateTimeOffset Expires)
{
    /// <summary>
    /// What approving or denying needs beside the cookie and the CSRF token: handed once, at sign-in, to this origin's
    /// script (in the redirect's fragment, kept in the origin's localStorage), and never in a page. A cookie leaked to
    /// another local user's server (browsers send it to every port) reads pages and their CSRF token, not this key.
    /// </summary>
    public string AnswerKey { get; init; } = "";
}
