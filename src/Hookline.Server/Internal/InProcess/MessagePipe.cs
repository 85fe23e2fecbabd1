using System.Threading.Channels;
using Grpc.Core;

namespace Hookline.Server.Internal.InProcess;

/// <summary>
/// One direction of an in-process stream. Each message is encoded and decoded with the method's marshaller on the
/// way, as on the wire: the two sides never share a mutable message, and the size cap holds as it does over HTTP/2.
/// Bounded, so a slow reader slows the writer, as HTTP/2 flow control would.
/// </summary>
internal sealed class MessagePipe<T> : IAsyncStreamReader<T>, IClientStreamWriter<T>, IServerStreamWriter<T> where T : class
{
    private readonly Channel<T> _channel;
    private readonly Marshaller<T> _marshaller;
    private readonly CancellationToken _call;
    private readonly bool _clientReads;
    private T? _current;

    /// <param name="call">Cancelled when the call ends: reads and writes stop.</param>
    /// <param name="clientReads">Reads fail as a client's do (<see cref="RpcException"/>), not as a server's.</param>
    public MessagePipe(Marshaller<T> marshaller, int capacity, bool clientReads, CancellationToken call)
    {
        _marshaller = marshaller;
        _call = call;
        _clientReads = clientReads;
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true");

    public WriteOptions? WriteOptions { get; set; }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call);
        try
        {
            while (await _channel.Reader.WaitToReadAsync(both.Token).ConfigureAwait(false))
            {
                if (_channel.Reader.TryRead(out var message))
                {
                    _current = message;
                    return true;
                }
            }
            return false;
        }
        catch (OperationCanceledException) when (_clientReads)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
        }
    }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        var copy = InProcessMarshalling.Copy(message, _marshaller);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call);
        try
        {
            await _channel.Writer.WriteAsync(copy, both.Token).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("the call is complete: no more messages can be written");
        }
    }

    /// <summary>The client's end of its request stream.</summary>
    public Task CompleteAsync()
    {
        _channel.Writer.TryComplete();
        return Task.CompletedTask;
    }

    /// <summary>Ends the stream; with an error, the reader's next read throws it.</summary>
    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);
}
