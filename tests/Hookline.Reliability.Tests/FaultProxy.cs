using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Hookline.Reliability.Tests;

/// <summary>
/// A TCP proxy on loopback between a sidecar and a server, with faults switched on and off by the test: delay per
/// direction, blackhole (bytes read and dropped, no RST, no FIN), reset (RST) and cut (FIN).
/// </summary>
/// <remarks>
/// A blackholed connection stays dead after <see cref="Heal"/>: the bytes it lost cannot be replayed, just as a peer
/// that gave up on a silent TCP connection does not pick it up again. Only connections made after the heal forward.
/// </remarks>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly Task _acceptLoop;
    private volatile bool _blackholed;
    private long _accepted;

    private FaultProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public static FaultProxy Start(int upstreamPort) => new(upstreamPort);

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Connections accepted so far (each reconnect of the sidecar is one more).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Added to every chunk going from the server to the sidecar (answers, snapshots, acks, pongs).</summary>
    public TimeSpan DownstreamDelay { get; set; }

    /// <summary>Added to every chunk going from the sidecar to the server.</summary>
    public TimeSpan UpstreamDelay { get; set; }

    /// <summary>Drops every byte of every connection, open or new, silently.</summary>
    public void Blackhole()
    {
        _blackholed = true;
        foreach (var link in _links.Keys)
        {
            link.Blackholed = true;
        }
    }

    /// <summary>New connections forward again; the blackholed ones stay dead.</summary>
    public void Heal() => _blackholed = false;

    /// <summary>Aborts every open connection with a TCP reset on both sides.</summary>
    public void Reset()
    {
        foreach (var link in _links.Keys)
        {
            link.Close(reset: true);
        }
    }

    /// <summary>Closes every open connection with a FIN on both sides.</summary>
    public void Cut()
    {
        foreach (var link in _links.Keys)
        {
            link.Close(reset: false);
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            Interlocked.Increment(ref _accepted);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        client.NoDelay = true;
        var link = new Link(client) { Blackholed = _blackholed };
        _links[link] = 0;
        try
        {
            if (!link.Blackholed)
            {
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _upstreamPort), _stopping.Token);
                }
                catch (SocketException)
                {
                    // The server is down: the sidecar sees what it would see without the proxy, a refused connection.
                    server.Dispose();
                    link.Close(reset: true);
                    return;
                }
                link.Server = server;
            }
            await Task.WhenAll(
                PumpAsync(link, link.Client, link.Server, () => UpstreamDelay),
                link.Server is null ? Task.CompletedTask : PumpAsync(link, link.Server, link.Client, () => DownstreamDelay));
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            // A blackholed link stays open (no FIN) until the proxy is disposed.
            if (!link.Blackholed)
            {
                _links.TryRemove(link, out _);
                link.Close(reset: false);
            }
        }
    }

    /// <summary>Reads <paramref name="from"/> and forwards to <paramref name="to"/> after the delay, in order.</summary>
    private async Task PumpAsync(Link link, Socket from, Socket? to, Func<TimeSpan> delay)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Bytes)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = to is null ? Task.CompletedTask : WriteDelayedAsync(link, queue.Reader, to);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
                }
                catch (SocketException)
                {
                    // Reset by the peer: pass the reset on (unless blackholed: then nothing passes).
                    if (!link.Blackholed)
                    {
                        link.Close(reset: true);
                    }
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                if (read == 0)
                {
                    break;
                }
                if (link.Blackholed || to is null)
                {
                    continue;
                }
                var due = Environment.TickCount64 + (long)delay().TotalMilliseconds;
                queue.Writer.TryWrite((due, buffer.AsSpan(0, read).ToArray()));
            }
        }
        finally
        {
            queue.Writer.TryComplete();
            await writer;
        }
        if (!link.Blackholed && to is not null)
        {
            // The peer finished sending: pass the FIN on once everything before it went out.
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task WriteDelayedAsync(Link link, ChannelReader<(long Due, byte[] Bytes)> reader, Socket to)
    {
        try
        {
            await foreach (var (due, bytes) in reader.ReadAllAsync(_stopping.Token))
            {
                var wait = due - Environment.TickCount64;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), _stopping.Token);
                }
                if (link.Blackholed)
                {
                    continue;
                }
                await to.SendAsync(bytes, SocketFlags.None, _stopping.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var link in _links.Keys)
        {
            link.Close(reset: true);
        }
        _stopping.Dispose();
    }

    private sealed class Link(Socket client)
    {
        private int _closed;

        public Socket Client { get; } = client;

        public Socket? Server { get; set; }

        public volatile bool Blackholed;

        public void Close(bool reset)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }
            foreach (var socket in new[] { Client, Server })
            {
                if (socket is null)
                {
                    continue;
                }
                try
                {
                    if (reset)
                    {
                        // Linger 0: close sends RST instead of FIN.
                        socket.LingerState = new LingerOption(true, 0);
                    }
                    else
                    {
                        socket.Shutdown(SocketShutdown.Both);
                    }
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }
                socket.Dispose();
            }
        }
    }
}
