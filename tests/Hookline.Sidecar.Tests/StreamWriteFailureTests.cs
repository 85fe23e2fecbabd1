using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A write on the request stream that fails (a connection reset under the writer) ends that stream: the waiting hook is
/// answered locally at once, the sidecar reconnects, and the event reaches the audit trail on the next stream.
/// A real server (Kestrel on loopback, SQLite file) and a real sidecar; only the first stream's event writes fail.
/// </summary>
public sealed class StreamWriteFailureTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly FailFirstStreamsEvents _failing = new();
    private readonly ConcurrentQueue<HookDecision> _decisions = new();
    private HooklineServer _server = null!;
    private GrpcChannel _channel = null!;
    private HooklineSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_dir);
        _channel = GrpcChannel.ForAddress(_server.GrpcAddress);
        _sidecar = await _server.StartSidecarAsync(_dir, o =>
        {
            o.CallInvoker = _channel.CreateCallInvoker().Intercept(_failing);
            o.Budget = TimeSpan.FromSeconds(30);
            o.MinReconnectDelay = TimeSpan.FromMilliseconds(20);
            o.MaxReconnectDelay = TimeSpan.FromMilliseconds(200);
        });
        _sidecar.Decided += _decisions.Enqueue;
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _channel.Dispose();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_failed_write_brings_the_stream_down_and_the_event_is_resent_on_the_next()
    {
        Assert.True(_sidecar.IsConnected);

        // The budget is 30 s: an answer now comes from the stream coming down, not from the budget running out.
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /tmp/x"));

        Assert.Equal("deny", reply.PermissionDecision);
        Assert.Equal("local", Assert.Single(_decisions).Source);
        Assert.True(await _sidecar.FlushAsync(TimeSpan.FromSeconds(30)), "the event was not acknowledged on a later stream");
        Assert.True(_failing.Streams >= 2, $"{_failing.Streams} stream(s) opened");
        Assert.True(_sidecar.Counters.Reconnects >= 1);
        Assert.Equal(["1"], await _server.RowsAsync("SELECT CAST(COUNT(*) AS TEXT) FROM events WHERE applied_source = 'local'"));
    }

    /// <summary>On the first stream only, every write of an event fails as a reset connection would.</summary>
    private sealed class FailFirstStreamsEvents : Interceptor
    {
        private int _streams;

        public int Streams => Volatile.Read(ref _streams);

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
            ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
        {
            var call = continuation(context);
            if (Interlocked.Increment(ref _streams) != 1)
            {
                return call;
            }
            return new AsyncDuplexStreamingCall<TRequest, TResponse>(new FailingEventWrites<TRequest>(call.RequestStream),
                call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
        }
    }

    private sealed class FailingEventWrites<T>(IClientStreamWriter<T> inner) : IClientStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task CompleteAsync() => inner.CompleteAsync();

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(T message, CancellationToken cancellationToken) =>
            message is ProcessHookEventRequest { KindCase: ProcessHookEventRequest.KindOneofCase.Event }
                ? Task.FromException(new IOException("connection reset by peer"))
                : inner.WriteAsync(message, cancellationToken);
    }
}
