using System.Buffers.Binary;
using System.Net.Sockets;

namespace Hookline.Hook.Tests;

/// <summary>
/// A real Unix-socket listener standing in for the sidecar: it accepts one connection, reads one request frame
/// (u32 BE length + payload), then answers with whatever bytes the test scripted.
/// </summary>
internal sealed class FakeSidecar : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Task _served;
    private readonly TaskCompletionSource<byte[]> _request = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeSidecar(string socketPath, Func<byte[], Socket, Task> script)
    {
        SocketPath = socketPath;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(8);
        _served = ServeOneAsync(script);
    }

    internal string SocketPath { get; }

    /// <summary>The request payload (after the length prefix) the hook sent, its deadline zeroed (see <see cref="Frames.WithoutDeadline"/>).</summary>
    internal Task<byte[]> Request => RawRequest.ContinueWith(t => Frames.WithoutDeadline(t.Result), TaskScheduler.Default);

    /// <summary>The request payload (after the length prefix) the hook sent, as sent.</summary>
    internal Task<byte[]> RawRequest => _request.Task.WaitAsync(HookRun.HangBound);

    /// <summary>Set free a sidecar that holds its connection open (a null answer, or a script that waits for it).</summary>
    internal Task Released => _release.Task;

    /// <summary>Whether a whole request frame has arrived (without waiting for one).</summary>
    internal bool GotRequest => _request.Task.IsCompletedSuccessfully;

    /// <summary>Answers with the bytes <paramref name="answer"/> returns for the request payload; null = never answer.</summary>
    internal static FakeSidecar Start(string socketPath, Func<byte[], byte[]?> answer) => Scripted(socketPath, async (self, payload, connection) =>
    {
        var reply = answer(payload);
        if (reply is null)
        {
            // A silent sidecar: hold the connection open until the test is over.
            await self.Released;
            return;
        }
        await connection.SendAsync(reply, SocketFlags.None);
    });

    /// <summary>
    /// Runs <paramref name="script"/> with the request payload and the connection (to write frames, wait, or hang up),
    /// then closes the connection. A script may await <see cref="Released"/> to hold it open until the test is over.
    /// </summary>
    internal static FakeSidecar Scripted(string socketPath, Func<FakeSidecar, byte[], Socket, Task> script)
    {
        FakeSidecar? sidecar = null;
        sidecar = new FakeSidecar(socketPath, (payload, connection) => script(sidecar!, payload, connection));
        return sidecar;
    }

    private async Task ServeOneAsync(Func<byte[], Socket, Task> script)
    {
        try
        {
            await ServeAsync(script);
        }
        catch (Exception e)
        {
            _request.TrySetException(e);
        }
    }

    private async Task ServeAsync(Func<byte[], Socket, Task> script)
    {
        using var connection = await _listener.AcceptAsync();
        var prefix = new byte[4];
        await ReceiveExactlyAsync(connection, prefix);
        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix)];
        await ReceiveExactlyAsync(connection, payload);
        _request.TrySetResult(payload);
        await script(payload, connection);
        connection.Shutdown(SocketShutdown.Send);
    }

    private static async Task ReceiveExactlyAsync(Socket socket, byte[] target)
    {
        var count = 0;
        while (count < target.Length)
        {
            var read = await socket.ReceiveAsync(target.AsMemory(count), SocketFlags.None);
            if (read == 0)
            {
                throw new EndOfStreamException("hook closed the connection after " + count + " of " + target.Length + " bytes");
            }
            count += read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        _listener.Dispose();
        // ServeOneAsync never throws; Accept/Receive end with the listener or the hook's exit.
        await _served.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
