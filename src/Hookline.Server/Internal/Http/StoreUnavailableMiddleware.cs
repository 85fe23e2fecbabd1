using Hookline.Server.Internal.Grpc;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Http;

/// <summary>
/// An HTTP request whose endpoint finds the database away (the read API, token admin, policy apply, the dashboard)
/// answers 503 with <c>Retry-After</c> and "server unavailable, retry", as a refused token check does, instead of a
/// bare 500. The cause goes to the log. gRPC calls get the same from <see cref="StoreUnavailableInterceptor"/>.
/// </summary>
internal static class StoreUnavailableMiddleware
{
    public static void UseStoreUnavailable(this WebApplication app)
    {
        var store = app.Services.GetRequiredService<IAuditStore>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StoreUnavailableMiddleware).FullName!);
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (store.IsTransient(ex) && !context.Response.HasStarted)
            {
                Log.StoreUnavailable(logger, ex, context.Request.Method + " " + context.Request.Path);
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                await context.Response.WriteAsync(Authenticator.UnavailableDetail + "\n").ConfigureAwait(false);
            }
        });
    }
}
