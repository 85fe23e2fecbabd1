using Grpc.Core.Interceptors;
using Grpc.Core;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Grpc;

/// <summary>
/// A unary call whose handler finds the database away answers <c>Unavailable</c> ("server unavailable, retry"), as
/// authentication does, instead of gRPC's bare <c>Unknown</c>: the caller should retry, and learns nothing of why.
/// The stream handles its own storage failures (it answers first and stores after).
/// </summary>
internal sealed class StoreUnavailableInterceptor : Interceptor
{
    private readonly IAuditStore _store;
    private readonly ILogger _logger;

    public StoreUnavailableInterceptor(IAuditStore store, ILogger<StoreUnavailableInterceptor> logger)
    {
        _store = store;
        _logger = logger;
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException && _store.IsTransient(ex))
        {
            Log.StoreUnavailable(_logger, ex, context.Method);
            throw new RpcException(new Status(StatusCode.Unavailable, Authenticator.UnavailableDetail));
        }
    }
}
