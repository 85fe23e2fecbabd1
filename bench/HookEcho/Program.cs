using System.Buffers.Binary;
using System.Net.Sockets;

// hook-echo SOCKET_PATH: answers every hook request frame with the empty allow reply (exit 0, no stdout, no stderr).
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: hook-echo SOCKET_PATH");
    return 2;
}

// u32 BE length 10, then version 1, exit code 0, stdout length 0, stderr length 0.
byte[] allowReply = [0, 0, 0, 10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];

File.Delete(args[0]);
using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
listener.Bind(new UnixDomainSocketEndPoint(args[0]));
listener.Listen(128);
Console.Out.WriteLine("listening on " + args[0]);
Console.Out.Flush();

while (true)
{
    var connection = await listener.AcceptAsync();
    _ = AnswerAsync(connection);
}

async Task AnswerAsync(Socket connection)
{
    using (connection)
    {
        try
        {
            var prefix = new byte[4];
            await ReceiveExactlyAsync(connection, prefix);
            await ReceiveExactlyAsync(connection, new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix)]);
            await connection.SendAsync(allowReply, SocketFlags.None);
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException)
        {
            Console.Error.WriteLine("hook-echo: " + e.Message);
        }
    }
}

static async Task ReceiveExactlyAsync(Socket socket, byte[] target)
{
    for (var count = 0; count < target.Length;)
    {
        var read = await socket.ReceiveAsync(target.AsMemory(count), SocketFlags.None);
        if (read == 0)
        {
            throw new EndOfStreamException("peer closed after " + count + " of " + target.Length + " bytes");
        }
        count += read;
    }
}
