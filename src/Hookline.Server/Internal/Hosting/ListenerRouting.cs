using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Hookline.Server.Internal.Hosting;

/// <summary>
/// Keeps the two listeners apart: the gRPC address (<c>--listen</c>) serves the agent service only, the HTTP address
/// (<c>--http-listen</c>) everything else. Kestrel maps every route on every endpoint; this marks each connection of
/// the gRPC listener and answers 404 to any non-gRPC route on it (and to gRPC on the HTTP listener).
/// </summary>
internal static class ListenerRouting
{
    /// <summary>Set on the connection features of the gRPC listener's connections.</summary>
    private sealed class GrpcListenerFeature
    {
        public static readonly GrpcListenerFeature Instance = new();
    }

    /// <summary>The gRPC listener's options: its own configuration, then the mark.</summary>
    public static Action<ListenOptions> MarkGrpc(Action<ListenOptions>? configure) => options =>
    {
        configure?.Invoke(options);
        options.Use(next => connection =>
        {
            connection.Features.Set(GrpcListenerFeature.Instance);
            return next(connection);
        });
    };

    /// <summary>Before authentication: a route on the wrong listener is not there at all.</summary>
    public static void UseListenerSeparation(this WebApplication app) => app.Use((context, next) =>
    {
        var onGrpcListener = context.Features.Get<GrpcListenerFeature>() is not null;
        var isGrpcRoute = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;
        if (onGrpcListener != isGrpcRoute && context.GetEndpoint() is not null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return next(context);
    });
}
