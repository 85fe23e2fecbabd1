using Hookline.Server;
using Hookline.Sidecar;
using Microsoft.Extensions.Logging;

namespace Hookline.Cli.Commands;

/// <summary>
/// A server (embedded, or remote when a URL is given) and a sidecar in this process: what <c>hookline start</c>
/// and <c>hookline demo</c> run. The embedded server listens on loopback only, and its own sidecar reaches it in
/// memory: the same stream, messages and service without HTTP/2 in between, which was most of a hook's latency.
/// </summary>
internal sealed class EmbeddedStack : IAsyncDisposable
{
    private EmbeddedStack(HooklineServer? server, HooklineSidecar sidecar, ILoggerFactory loggers)
    {
        Server = server;
        Sidecar = sidecar;
        Loggers = loggers;
    }

    public HooklineServer? Server { get; }

    public HooklineSidecar Sidecar { get; }

    private ILoggerFactory Loggers { get; }

    public static async Task<EmbeddedStack> StartAsync(string? serverUrl, string? policyFile, string? dataDirectory,
        string agent, SidecarFailMode failMode, TimeSpan budget, string stateDirectory, LogLevel logLevel,
        CancellationToken cancellationToken, bool httpHooks = false)
    {
        HooklineServer? server = null;
        if (serverUrl is null)
        {
            server = await HooklineServer.StartAsync(new HooklineServerOptions
            {
                // Loopback only, and no token: only this machine can reach it (the server logs that auth is off).
                Listen = "http://127.0.0.1:0",
                HttpListen = "http://127.0.0.1:0",
                Auth = ServerAuthMode.Off,
                // It shares this process with the sidecar and the machine with the agent: answers first.
                StorageBehindDecisions = true,
                PolicyFile = policyFile,
                DataDirectory = dataDirectory ?? HooklineServerOptions.DefaultDataDirectory(),
                LogLevel = logLevel,
            }, cancellationToken);
            serverUrl = server.GrpcAddress;
        }
        var loggers = CommonOptions.Console(logLevel);
        try
        {
            var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
            {
                ServerUrl = serverUrl,
                CallInvoker = server?.CreateInProcessInvoker(),
                // A shared server wants a token; the embedded one asks for none.
                Token = server is null ? Environment.GetEnvironmentVariable("HOOKLINE_TOKEN") is { Length: > 0 } t ? t : null : null,
                Agent = agent,
                FailMode = failMode,
                Budget = budget,
                StateDirectory = stateDirectory,
                LoggerFactory = loggers,
                HttpHooks = httpHooks,
            }, cancellationToken);
            return new EmbeddedStack(server, sidecar, loggers);
        }
        catch
        {
            loggers.Dispose();
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Sidecar.DisposeAsync();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        Loggers.Dispose();
    }
}
