using Hookline.Server;
using Microsoft.Extensions.Logging;

namespace Hookline.LoadTool.Fixtures;

internal static class InProcessServer
{
    /// <summary>
    /// A server on a free loopback port, with the bench policy and its SQLite file in <paramref name="directory"/>, or
    /// its store in <paramref name="postgres"/>.
    /// </summary>
    /// <param name="embedded">Configured as the embedded server of <c>hookline start</c> (storage behind the decisions).</param>
    /// <param name="configure">Changes to the options beyond these (authentication, caches).</param>
    public static Task<HooklineServer> StartAsync(TempDirectory directory, string? postgres = null, bool embedded = false,
        Action<HooklineServerOptions>? configure = null)
    {
        var options = new HooklineServerOptions
        {
            StorageBehindDecisions = embedded,
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = BenchPolicy.WriteTo(directory.Path),
            DataDirectory = directory.Combine("data"),
            Postgres = postgres,
            LogLevel = LogLevel.Warning,
            // The load stands for a fleet of users but sends as one principal: no per-principal limits.
            MaxStreamsPerPrincipal = 0,
            MaxUnaryCallsPerPrincipal = 0,
            EventBytesPerSecondPerPrincipal = 0,
        };
        configure?.Invoke(options);
        return HooklineServer.StartAsync(options);
    }
}
