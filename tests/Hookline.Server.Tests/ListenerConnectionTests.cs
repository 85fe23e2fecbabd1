using System.Net.Sockets;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>
/// Each listener counts its own connections (Kestrel keeps one counter per endpoint): another local user holding the
/// HTTP listener's (the open /healthz is enough) does not lock the sidecars out of the gRPC listener. Real Kestrel,
/// real sockets, a low configured limit.
/// </summary>
public sealed class ListenerConnectionTests
{
    private const int Limit = 4;

    [Fact]
    public async Task Idle_connections_holding_the_http_listener_leave_the_grpc_listener_open()
    {
        await using var server = await TestServer.StartAsync(Policies.Standard, o =>
        {
            o.HttpListen = "http://127.0.0.1:0";
            o.ConnectionLimits = new Core.ConnectionLimits(Limit, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
        });
        var http = new Uri(server.Server.HttpAddress!);
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < Limit; i++)
            {
                held.Add(await ConnectAsync(http));
            }
            // One more is closed by the server: the HTTP listener is full.
            using var extra = await ConnectAsync(http);
            Assert.True(await ClosedByServerAsync(extra), "a connection past the HTTP listener's limit stayed open");

            // A sidecar connecting now (a new channel: a new connection) is still served.
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Server.GrpcAddress);
            var session = await new AgentService.AgentServiceClient(channel)
                .CreateSessionAsync(new CreateSessionRequest { Agent = "claude" }).ResponseAsync.WaitAsync(Bound.Hang);

            Assert.False(string.IsNullOrEmpty(session.SessionId));
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    private static async Task<Socket> ConnectAsync(Uri address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address.Host, address.Port).WaitAsync(Bound.Hang);
        return socket;
    }

    private static async Task<bool> ClosedByServerAsync(Socket socket)
    {
        try
        {
            var read = await socket.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Bound.Hang);
            return read == 0;
        }
        catch (SocketException)
        {
            return true; // reset
        }
    }
}
