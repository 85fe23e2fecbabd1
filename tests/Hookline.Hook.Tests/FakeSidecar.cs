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

    private FakeSidecar(string socketPath, Func<byte[], byte[]?> answer)
    {
        SocketPath = socketPath;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(8);
        _served = ServeOneAsync(answer);
    }

    internal string SocketPath { get; }

    /// <summary>The request payload (after the length prefix) the hook sent.</summary>
    internal Task<byte[]> Request => _request.Task.WaitAsync(HookRun.HangBound);

    /// <summary>Whether a whole request frame has arrived (without waiting for one).</summary>
    internal bool GotRequest => _request.Task.IsCompletedSuccessfully;

    /// <summary>Answers with the bytes <paramref name="answer"/> returns for the request payload; null = never answer.</summary>
    internal static FakeSidecar Start(string socketPath, Func<byte[], byte[]?> answer) => new(socketPath, answer);

    private async Task ServeOneAsync(Func<byte[], byte[]?> answer)
    {
        try
        {
            await ServeAsync(answer);
        }
        catch (Exception e)
        {
            _request.TrySetException(e);
        }
    }

    private async Task ServeAsync(Func<byte[], byte[]?> answer)
    {
        using var connection = await _listener.AcceptAsync();
        var prefix = new byte[4];
        await ReceiveExactlyAsync(connection, prefix);
        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix)];
        await ReceiveExactlyAsync(connection, payload);
        _request.TrySetResult(payload);
        var reply = answer(payload);
        if (reply is null)
        {
            // A silent sidecar: hold the connection open until the test is over.
            await _release.Task;
            return;
        }
        await connection.SendAsync(reply, SocketFlags.None);
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
