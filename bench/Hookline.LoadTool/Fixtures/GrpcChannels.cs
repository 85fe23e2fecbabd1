using Grpc.Net.Client;

namespace Hookline.LoadTool.Fixtures;

/// <summary>Channels configured like the sidecar's: one HTTP/2 connection each, h2c on loopback.</summary>
internal static class GrpcChannels
{
    public static GrpcChannel Create(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(3),
        },
        MaxReceiveMessageSize = 16 * 1024 * 1024,
    });
}
