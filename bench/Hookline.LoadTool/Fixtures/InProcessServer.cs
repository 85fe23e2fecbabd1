using Hookline.Server;
using Microsoft.Extensions.Logging;

namespace Hookline.LoadTool.Fixtures;

internal static class InProcessServer
{
    /// <summary>A server on a free loopback port, with the bench policy and its SQLite file in <paramref name="directory"/>.</summary>
    public static Task<HooklineServer> StartAsync(TempDirectory directory) => HooklineServer.StartAsync(new HooklineServerOptions
    {
        Listen = "http://127.0.0.1:0",
        HttpListen = null,
        PolicyFile = BenchPolicy.WriteTo(directory.Path),
        DataDirectory = directory.Combine("data"),
        LogLevel = LogLevel.Warning,
    });
}
