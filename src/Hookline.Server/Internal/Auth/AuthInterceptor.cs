using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Authenticates every gRPC call before its handler runs. The agent service needs the <c>sidecar</c> scope; any
/// other service needs <c>admin</c> unless it is listed here, so a new service is closed until someone opens it.
/// A stream also closes when its token is revoked, or when its JWT expires.
/// </summary>
internal sealed class AuthInterceptor : Interceptor
{
    private const string CallerKey = "hookline.caller";
    private const string RevokedKey = "hookline.revoked";

    private readonly Authenticator _authenticator;
    private readonly OpenStreams _streams;
    private readonly TimeProvider _time;

    public AuthInterceptor(Authenticator authenticator, OpenStreams streams, TimeProvider time)
    {
        _authenticator = authenticator;
        _streams = streams;
        _time = time;
    }

    public static TokenScope RequiredScope(string method)
        => method.StartsWith("/hookline.v1.AgentService/", StringComparison.Ordinal) ? TokenScope.Sidecar : TokenScope.Admin;

    /// <summary>The caller of this call, as the interceptor established it.</summary>
    public static Caller CallerOf(ServerCallContext context)
        => context.UserState.TryGetValue(CallerKey, out var caller) ? (Caller)caller : Caller.Unauthenticated;

    /// <summary>Cancelled when the token of this stream is revoked.</summary>
    public static CancellationToken RevokedOf(ServerCallContext context)
        => context.UserState.TryGetValue(RevokedKey, out var token) ? (CancellationToken)token : CancellationToken.None;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
        => WhileNotRevokedAsync(context, () => continuation(request, responseStream, context));

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        => WhileNotRevokedAsync(context, () => continuation(requestStream, responseStream, context));

    private async Task WhileNotRevokedAsync(ServerCallContext context, Func<Task> handler)
    {
        var caller = await AuthorizeAsync(context).ConfigureAwait(false);
        if (caller.TokenId is null)
        {
            await handler().ConfigureAwait(false);
            return;
        }
        // A JWT's stream ends when the JWT does: the sidecar must reconnect with a fresh one.
        using var revoked = caller.ExpiresAt is { } expires
            ? new CancellationTokenSource(TimeSpan.FromTicks(Math.Max(0, (expires - _time.GetUtcNow()).Ticks)), _time)
            : new CancellationTokenSource();
        using (_streams.Register(caller.TokenId, revoked))
        {
            context.UserState[RevokedKey] = revoked.Token;
            await handler().ConfigureAwait(false);
        }
        if (revoked.IsCancellationRequested)
        {
            // The handler ended because the token was revoked: say so with the status a reconnect will get too.
            throw new RpcException(new Status(StatusCode.Unauthenticated, Authenticator.UnauthenticatedDetail));
        }
    }

    private async ValueTask<Caller> AuthorizeAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        var (outcome, caller) = await _authenticator.CheckAsync(header, RequiredScope(context.Method), context.Method, context.CancellationToken)
            .ConfigureAwait(false);
        switch (outcome)
        {
            case AuthOutcome.Unauthenticated:
                throw new RpcException(new Status(StatusCode.Unauthenticated, Authenticator.UnauthenticatedDetail));
            case AuthOutcome.Forbidden:
                throw new RpcException(new Status(StatusCode.PermissionDenied, Authenticator.ForbiddenDetail));
            case AuthOutcome.Unavailable:
                // "Server away, retry": not an error of the caller nor of this server's code.
                throw new RpcException(new Status(StatusCode.Unavailable, Authenticator.UnavailableDetail));
        }
        context.UserState[CallerKey] = caller;
        return caller;
    }
}
