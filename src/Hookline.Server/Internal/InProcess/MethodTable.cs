using Grpc.Core;

namespace Hookline.Server.Internal.InProcess;

/// <summary>
/// The handlers of a service by full method name, collected through the generated <c>BindService</c>: the same
/// binding grpc-aspnetcore uses, so every method the service implements is reachable without a hand-kept list.
/// </summary>
internal sealed class MethodTable : ServiceBinderBase
{
    private readonly Dictionary<string, Delegate> _handlers = new(StringComparer.Ordinal);

    public THandler? Find<THandler>(string fullName) where THandler : Delegate
        => _handlers.TryGetValue(fullName, out var handler) ? handler as THandler : null;

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        => Add(method.FullName, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        => Add(method.FullName, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        => Add(method.FullName, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        => Add(method.FullName, handler);

    private void Add(string fullName, Delegate? handler)
    {
        if (handler is not null)
        {
            _handlers[fullName] = handler;
        }
    }
}
