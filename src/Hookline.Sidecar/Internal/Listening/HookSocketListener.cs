using System.Buffers;
using System.Net.Sockets;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Decisions;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>
/// Accepts hook connections on a Unix socket (0700 directory, 0600 socket, peer uid checked): one request per
/// connection, answered with one reply frame.
/// </summary>
internal sealed class HookSocketListener : IAsyncDisposable
{
    /// <summary>sun_path holds 108 bytes on Linux and 104 on macOS; stay under the smaller.</summary>
    public const int MaxSocketPathBytes = 103;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly IHookHandler _processor;
    private readonly Core.ByteBudget _inFlight;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly uint _ownUid = Platform.Current.EffectiveUid;
    private Task? _acceptLoop;

    public HookSocketListener(string path, IHookHandler processor, TimeProvider time, ILogger logger, Core.ByteBudget? inFlight = null)
    {
        _inFlight = inFlight ?? new Core.ByteBudget(SidecarOptions.DefaultInFlightMaxBytes);
        _processor = processor;
        _time = time;
        _logger = logger;
        Path = System.IO.Path.GetFullPath(path);
        if (System.Text.Encoding.UTF8.GetByteCount(Path) > MaxSocketPathBytes)
        {
            throw new ArgumentException($"socket path is longer than {MaxSocketPathBytes} bytes: {Path}");
        }
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the hook socket needs Unix file modes");
        }
        // The hook trusts only a socket in a directory of this user, mode 0700: one someone else made first (a
        // well-known path under /tmp, say) is refused, never adopted or chmod-ed.
        Platform.Current.EnsurePrivateDirectory(directory);
        if (File.Exists(Path))
        {
            File.Delete(Path);
        }
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
        File.SetUnixFileMode(Path, Core.PrivateFiles.FileMode);
        _socket.Listen(512);
    }

    public string Path { get; }

    public void Start()
    {
        // A thread of its own, parked in accept(2): the kernel wakes it when a hook connects. An async accept wakes the
        // socket engine's epoll thread instead, which queues the accept's continuation to a pool thread: two wake-ups in
        // series before a hook after idle is even read. The thread serves each connection up to its first wait.
        _acceptLoop = Core.StorageThread.Start("hookline-accept", AcceptLoop, lowerPriority: false);
        Log.Listening(_logger, Path);
    }

    /// <summary>Sends one probe frame through the socket, as a hook would: proves it answers and warms the path.</summary>
    public Task ProbeAsync(CancellationToken cancellationToken) => ProbeAsync(Path, cancellationToken);

    /// <summary>The same probe against any hook socket.</summary>
    public static async Task ProbeAsync(string path, CancellationToken cancellationToken)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        var frame = HookFrame.EncodeRequest("", HookProcessor.ProbeEvent, []);
        await client.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(client, ownsSocket: false);
        var reply = new byte[HookFrame.LengthPrefixBytes + ReplyFrame.MinPayloadBytes];
        await stream.ReadExactlyAsync(reply, cancellationToken).ConfigureAwait(false);
    }

    private void AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = _socket.Accept();
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            // Runs on this thread until its first wait: the hook's frame is usually there already, so the peer check, the
            // read and the handler's synchronous part (decode, spool, send on the stream) need no other thread.
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        byte[]? payload = null;
        long held = 0;
        try
        {
            // Only our own uid may ask; root may too, since it could read the socket's directory anyway.
            // A uid that cannot be read is refused too (where the platform can read one): never taken for root.
            var peer = Platform.Current.PeerUid(connection);
            if (peer is null ? Platform.Current.ReadsPeerUid : peer != _ownUid && peer != 0)
            {
                Log.PeerRefused(_logger, peer?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", _ownUid);
                return;
            }
            // The read timeout is armed only when a read must wait: the hook writes its whole frame right after
            // connecting, so it is usually in the socket already, and a timer armed per hook wakes the timer thread
            // twice (when armed, and when it lapses although disposed).
            using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
            var deadline = new ReadDeadline(timeout, _time);
            await using var stream = new NetworkStream(connection, ownsSocket: false);
            var header = new byte[HookFrame.LengthPrefixBytes];
            await ReadExactlyAsync(connection, stream, header, deadline, linked.Token).ConfigureAwait(false);
            var length = HookFrame.ReadLength(header);
            if (!HookFrame.IsWithinCap(length))
            {
                Log.BadFrame(_logger, $"request of {length} bytes exceeds the {HookFrame.MaxPayloadBytes}-byte cap");
                await ReplyAsync(connection, Agents.HookJson.Block($"request frame of {length} bytes exceeds the 10 MiB cap")).ConfigureAwait(false);
                return;
            }
            // Memory held by requests in flight is bounded in bytes: over the bound, this one waits for earlier answers.
            var take = _inFlight.TakeAsync(length, linked.Token);
            if (!take.IsCompleted)
            {
                deadline.Arm();
            }
            await take.ConfigureAwait(false);
            held = length;
            payload = ArrayPool<byte>.Shared.Rent((int)length);
            await ReadExactlyAsync(connection, stream, payload.AsMemory(0, (int)length), deadline, linked.Token).ConfigureAwait(false);
            var readAt = _time.GetTimestamp();
            var request = HookRequest.TryDecode(payload.AsMemory(0, (int)length), out var error);
            if (request is null)
            {
                Log.BadFrame(_logger, error!);
                await ReplyAsync(connection, Agents.HookJson.Block("bad request frame: " + error)).ConfigureAwait(false);
                return;
            }
            if (request.ApprovalWait > TimeSpan.Zero)
            {
                // A call that waits for a person's approval is told so before its final reply, on the same connection
                // (only a hook that sent its deadline, version 2, reads such a reply).
                request = request with { Interim = (wait, message) => SendInterimAsync(connection, wait, message) };
            }
            await ReplyAsync(connection, await HandleAsync(request, readAt).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or EndOfStreamException)
        {
            // The hook went away or sent a truncated frame; it applies its own fail mode.
            Log.BadFrame(_logger, "connection ended before a full request: " + ex.Message);
        }
        finally
        {
            if (payload is not null)
            {
                ArrayPool<byte>.Shared.Return(payload);
            }
            if (held > 0)
            {
                _inFlight.Return(held);
            }
            connection.Dispose();
        }
    }

    /// <summary>
    /// Fills <paramref name="buffer"/>: at once from what the socket holds when it holds that much (no timer), else
    /// asynchronously with the read timeout armed.
    /// </summary>
    private static async ValueTask ReadExactlyAsync(Socket connection, NetworkStream stream, Memory<byte> buffer, ReadDeadline deadline,
        CancellationToken cancellationToken)
    {
        if (connection.Available >= buffer.Length)
        {
            // Non-blocking: Available also counts bytes a plain read never returns (an out-of-band byte), and a blocking
            // read of those would hold this thread, the one that accepts every hook, for as long as the peer likes.
            connection.Blocking = false;
            try
            {
                while (!buffer.IsEmpty)
                {
                    var received = connection.Receive(buffer.Span, SocketFlags.None, out var error);
                    if (error == SocketError.WouldBlock)
                    {
                        break;
                    }
                    if (error != SocketError.Success)
                    {
                        throw new SocketException((int)error);
                    }
                    buffer = buffer[(received > 0 ? received : throw new EndOfStreamException())..];
                }
            }
            finally
            {
                connection.Blocking = true;
            }
            if (buffer.IsEmpty)
            {
                return;
            }
        }
        deadline.Arm();
        await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><see cref="ReadTimeout"/> from the accept, armed the first time a read has to wait.</summary>
    private sealed class ReadDeadline(CancellationTokenSource timeout, TimeProvider time)
    {
        private readonly long _acceptedAt = time.GetTimestamp();
        private bool _armed;

        public void Arm()
        {
            if (!_armed)
            {
                _armed = true;
                var left = ReadTimeout - time.GetElapsedTime(_acceptedAt);
                timeout.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
        }
    }

    /// <summary>The handler's answer, or the fail mode when it throws: a hook is never left without an answer.</summary>
    private async ValueTask<HookReply> HandleAsync(HookRequest request, long readAt)
    {
        try
        {
            return await _processor.HandleAsync(request, readAt).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            Log.HandlerFailed(_logger, request.Agent, request.Event, ex);
            return HookFailure.Answer(request, _processor.FailMode, ex);
        }
    }

    private static async ValueTask SendInterimAsync(Socket connection, TimeSpan wait, string message)
    {
        var frame = ReplyFrame.EncodeInterim((uint)Math.Clamp(wait.TotalMilliseconds, 0, uint.MaxValue), message);
        await connection.SendAsync(frame, SocketFlags.None).ConfigureAwait(false);
    }

    private static async Task ReplyAsync(Socket connection, HookReply reply)
    {
        var frame = reply.ToFrame();
        await connection.SendAsync(frame, SocketFlags.None).ConfigureAwait(false);
        connection.Shutdown(SocketShutdown.Send);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            // Wakes the thread parked in accept(2) (closing the descriptor alone does not, on Linux).
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        _socket.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
        _stopping.Dispose();
    }
}
