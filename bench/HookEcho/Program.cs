using System.Buffers.Binary;
using System.Net.Sockets;

// hook-echo SOCKET_PATH: answers every hook request frame with the empty allow reply (exit 0, no stdout, no stderr).
// Blocking accept/receive/send on dedicated threads: the fewest wake-ups between the hook's send and the reply, so the
// benchmark measures the hook and not this server's scheduling.
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

var workers = Enumerable.Range(0, 2).Select(_ => new Thread(Serve) { IsBackground = true }).ToList();
workers.ForEach(worker => worker.Start());
workers.ForEach(worker => worker.Join());
return 0;

void Serve()
{
    var prefix = new byte[4];
    while (true)
    {
        using var connection = listener.Accept();
        try
        {
            ReceiveExactly(connection, prefix);
            ReceiveExactly(connection, new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix)]);
            connection.Send(allowReply);
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException)
        {
            Console.Error.WriteLine("hook-echo: " + e.Message);
        }
    }
}

static void ReceiveExactly(Socket socket, byte[] target)
{
    for (var count = 0; count < target.Length;)
    {
        var read = socket.Receive(target, count, target.Length - count, SocketFlags.None);
        if (read == 0)
        {
            throw new EndOfStreamException("peer closed after " + count + " of " + target.Length + " bytes");
        }
        count += read;
    }
}
