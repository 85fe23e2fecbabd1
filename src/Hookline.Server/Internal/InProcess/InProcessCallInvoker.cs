using Grpc.Core.Interceptors;
using Grpc.Core;
using Hookline.Server.Internal.Grpc;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.InProcess;

/// <summary>
/// Calls the agent service of a server in this process without HTTP/2: the same service, the same interceptors
/// (authentication first) and the same message encoding, through in-memory streams. What <c>hookline start</c> uses with its
/// embedded server, where the network stack's thread hand-offs were most of a hook's latency.
/// </summary>
internal sealed class InProcessCallInvoker : CallInvoker
{
    // Messages in flight per direction before a writer waits: HTTP/2 flow control's role.
    private const int StreamCapacity = 256;

    private readonly MethodTable _methods = new();
    private readonly Interceptor[] _interceptors;
    private readonly CancellationToken _stopping;
    private readonly ILogger _logger;

    /// <param name="interceptors">Outermost first, as the server registers them.</param>
    public InProcessCallInvoker(Contracts.V1.AgentService.AgentServiceBase service, Interceptor[] interceptors,
        ILogger logger, CancellationToken stopping)
    {
        Contracts.V1.AgentService.BindService(_methods, service);
        _interceptors = interceptors;
        _stopping = stopping;
        _logger = logger;
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host,
        CallOptions options, TRequest request)
        => AsyncUnaryCall(method, host, options, request).ResponseAsync.GetAwaiter().GetResult();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method,
        string? host, CallOptions options, TRequest request)
    {
        var handler = Handler<UnaryServerMethod<TRequest, TResponse>>(method);
        var call = new CallState(method.FullName, _logger, options.CancellationToken);
        var context = new InProcessCallContext(method.FullName, options.Headers, options.Deadline, call.Token);
        var response = call.RunAsync(async () =>
        {
            var copy = InProcessMarshalling.Copy(request, method.RequestMarshaller);
            var answer = await Intercepted(handler)(copy, context).ConfigureAwait(false);
            return InProcessMarshalling.Copy(answer, method.ResponseMarshaller);
        });
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), call.GetStatus, () => [], call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var handler = Handler<DuplexStreamingServerMethod<TRequest, TResponse>>(method);
        var call = new CallState(method.FullName, _logger, options.CancellationToken);
        var context = new InProcessCallContext(method.FullName, options.Headers, options.Deadline, call.Token);
        var requests = new MessagePipe<TRequest>(method.RequestMarshaller, StreamCapacity, clientReads: false, call.Token);
        var responses = new MessagePipe<TResponse>(method.ResponseMarshaller, StreamCapacity, clientReads: true, call.Token);
        var finished = call.RunAsync(async () =>
        {
            await Intercepted(handler)(requests, responses, context).ConfigureAwait(false);
            return true;
        });
        // The handler's end is the stream's end: the client reads what was written, then the status.
        _ = finished.ContinueWith(task =>
        {
            responses.Complete(task.IsFaulted ? task.Exception!.InnerException : null);
            requests.Complete();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(requests, responses, Task.FromResult(new Metadata()),
            call.GetStatus, () => [], () =>
            {
                call.Dispose();
                requests.Complete();
            });
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        => throw Unimplemented(method.FullName);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options)
        => throw Unimplemented(method.FullName);

    private UnaryServerMethod<TRequest, TResponse> Intercepted<TRequest, TResponse>(UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class where TResponse : class
    {
        for (var i = _interceptors.Length - 1; i >= 0; i--)
        {
            var (interceptor, inner) = (_interceptors[i], handler);
            handler = (request, context) => interceptor.UnaryServerHandler(request, context, inner);
        }
        return handler;
    }

    private DuplexStreamingServerMethod<TRequest, TResponse> Intercepted<TRequest, TResponse>(DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class where TResponse : class
    {
        for (var i = _interceptors.Length - 1; i >= 0; i--)
        {
            var (interceptor, inner) = (_interceptors[i], handler);
            handler = (requests, responses, context) => interceptor.DuplexStreamingServerHandler(requests, responses, context, inner);
        }
        return handler;
    }

    private THandler Handler<THandler>(IMethod method) where THandler : Delegate
    {
        if (_stopping.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the server is stopping"));
        }
        return _methods.Find<THandler>(method.FullName) ?? throw Unimplemented(method.FullName);
    }

    private static RpcException Unimplemented(string method)
        => new(new Status(StatusCode.Unimplemented, $"{method} is not served in process"));

    /// <summary>One call's cancellation and final status.</summary>
    private sealed class CallState : IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new();
        private readonly CancellationTokenRegistration _caller;
        private readonly string _method;
        private readonly ILogger _logger;
        private Status _status;

        public CallState(string method, ILogger logger, CancellationToken caller)
        {
            _method = method;
            _logger = logger;
            _caller = caller.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _cancellation);
        }

        public CancellationToken Token => _cancellation.Token;

        public Status GetStatus() => _status;

        /// <summary>Runs the server side off the caller's thread; any failure becomes the status a gRPC client would see.</summary>
        public async Task<T> RunAsync<T>(Func<Task<T>> server)
        {
            try
            {
                var result = await Task.Run(server).ConfigureAwait(false);
                _status = Status.DefaultSuccess;
                return result;
            }
            catch (RpcException ex)
            {
                _status = ex.Status;
                throw;
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                _status = new Status(StatusCode.Cancelled, "the call was cancelled");
                throw new RpcException(_status);
            }
            catch (Exception ex)
            {
                Log.InProcessCallFailed(_logger, _method, ex);
                // As grpc-aspnetcore without detailed errors: the client learns that it failed, not the server's internals.
                _status = new Status(StatusCode.Unknown, "Exception was thrown by handler.");
                throw new RpcException(_status);
            }
            finally
            {
                // The call is over: a long-lived caller token must not keep it registered.
                _caller.Dispose();
            }
        }

        /// <summary>The client is done with the call: the server side sees it cancelled.</summary>
        public void Dispose() => _cancellation.Cancel();
    }
}
