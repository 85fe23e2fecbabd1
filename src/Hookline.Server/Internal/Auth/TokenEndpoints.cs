using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Token admin over HTTP (admin scope): <c>GET /api/tokens</c>, <c>POST /api/tokens</c> and
/// <c>DELETE /api/tokens/{id-or-name}</c>. What <c>hookline token --server URL</c> calls. All three refuse (403) while
/// authentication is off.
/// </summary>
internal static class TokenEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;

    public const string RefusedWithoutAuth =
        "refused: this server runs without authentication, so its HTTP API neither creates, lists nor revokes tokens; manage them " +
        "against its database with `hookline token create|list|revoke ... --data DIR` (or --postgres CONNECTION), then start it with --auth required";

    public static void MapTokenEndpoints(this WebApplication app)
    {
        var tokens = app.Services.GetRequiredService<ITokenStore>();
        var streams = app.Services.GetRequiredService<OpenStreams>();
        var cache = app.Services.GetRequiredService<TokenCache>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var authRequired = app.Services.GetRequiredService<Authenticator>().Required;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TokenEndpoints));
        // Without auth anyone who reaches the port would be admin: they could mint a token that stays valid once auth is
        // turned on, list who holds which token, or revoke the real ones. The CLI works on the database instead.
        RequestDelegate OnlyWithAuth(RequestDelegate handler) => authRequired ? handler : RefuseWithoutAuthAsync;
        app.MapGet("/api/tokens", OnlyWithAuth(context =>
            context.Response.WriteAsJsonAsync(tokens.List().ToList(), TokenJsonContext.Default.ListTokenInfo))).RequireScope(TokenScope.Admin);
        app.MapPost("/api/tokens", OnlyWithAuth(async context =>
        {
            TokenRequest? request;
            try
            {
                if (context.Request.ContentLength > MaxBodyBytes)
                {
                    throw new JsonException("request body too large");
                }
                request = await JsonSerializer.DeserializeAsync(context.Request.Body, TokenJsonContext.Default.TokenRequest,
                    context.RequestAborted).ConfigureAwait(false);
                if (request is null || request.Name is null || request.Scope is null)
                {
                    throw new JsonException("expected {\"name\": ..., \"scope\": ...}");
                }
                var createdBy = Attribution.Of(HttpAuthorization.CallerOf(context), null);
                var created = tokens.Create(request.Name, Tokens.ParseScope(request.Scope), request.User, request.Org, time.GetUtcNow(), createdBy,
                    request.Groups);
                Log.TokenCreated(logger, created.Info.Id, created.Info.Name, created.Info.Scope, createdBy);
                context.Response.StatusCode = StatusCodes.Status201Created;
                await context.Response.WriteAsJsonAsync(created, TokenJsonContext.Default.CreatedToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync(ex.Message + "\n").ConfigureAwait(false);
            }
        })).RequireScope(TokenScope.Admin);
        app.MapDelete("/api/tokens/{key}", OnlyWithAuth(async context =>
        {
            var key = (string)context.GetRouteValue("key")!;
            var revokedBy = Attribution.Of(HttpAuthorization.CallerOf(context), null);
            var revoked = await tokens.RevokeAsync(key, time.GetUtcNow(), revokedBy, context.RequestAborted).ConfigureAwait(false);
            if (revoked is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync($"no active token with id or name '{key}'\n").ConfigureAwait(false);
                return;
            }
            // This server forgets the token and closes its streams at once; other replicas notice on their next poll.
            Log.TokenRevoked(logger, revoked.Id, revoked.Name, revokedBy);
            cache.Forget(revoked.Id);
            streams.Revoke(revoked.Id);
            await context.Response.WriteAsJsonAsync(revoked, TokenJsonContext.Default.TokenInfo).ConfigureAwait(false);
        })).RequireScope(TokenScope.Admin);
    }

    private static async Task RefuseWithoutAuthAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await context.Response.WriteAsync(RefusedWithoutAuth + "\n").ConfigureAwait(false);
    }
}
