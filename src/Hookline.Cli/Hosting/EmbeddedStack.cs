using Hookline.Cli.Clients;
using Hookline.Server;
using Hookline.Sidecar;
using Microsoft.Extensions.Logging;

namespace Hookline.Cli.Hosting;

/// <summary>
/// A server (embedded, or remote when a URL is given) and a sidecar in this process: what <c>hookline start</c>
/// and <c>hookline demo</c> run. The embedded server has no gRPC port: its own sidecar reaches it in memory (the same
/// stream, messages and service without HTTP/2 in between). Its HTTP port (dashboard, read API) is on loopback and
/// needs a token: <see cref="DashboardCredential"/>, made for this run and known only to this process and its user.
/// </summary>
internal sealed class EmbeddedStack : IAsyncDisposable
{
    private EmbeddedStack(HooklineServer? server, HooklineSidecar sidecar, ILoggerFactory loggers, RunCredential? dashboard, RunCredential? approver)
    {
        Server = server;
        DashboardCredential = dashboard;
        ApproverCredential = approver;
        Sidecar = sidecar;
        Loggers = loggers;
    }

    public HooklineServer? Server { get; }

    public HooklineSidecar Sidecar { get; }

    /// <summary>The embedded server's read credential for this run (sign in to the dashboard with it); null for a remote server.</summary>
    public RunCredential? DashboardCredential { get; }

    /// <summary>
    /// The embedded server's approve credential for this run (<c>hookline approvals</c> with <c>$HOOKLINE_TOKEN</c>): it
    /// answers as the local user, as with authentication off; null for a remote server.
    /// </summary>
    public RunCredential? ApproverCredential { get; }

    /// <summary>The embedded server's HTTP base URL (read API, approvals); null for a remote server.</summary>
    public string? HttpUrl => Server?.HttpAddress;

    /// <summary>Where to sign in to the embedded server's dashboard; null for a remote server.</summary>
    public string? DashboardUrl => Server?.HttpAddress is { } http ? http + "/ui/login" : null;

    private ILoggerFactory Loggers { get; }

    public static async Task<EmbeddedStack> StartAsync(string? serverUrl, string? policyFile, string? dataDirectory,
        string agent, SidecarFailMode failMode, TimeSpan budget, string stateDirectory, LogLevel logLevel,
        CancellationToken cancellationToken, bool httpHooks = false, string? remoteToken = null, RemoteTls? remoteTls = null)
    {
        HooklineServer? server = null;
        RunCredential? sidecarCredential = null, dashboard = null, approver = null;
        if (serverUrl is null)
        {
            // Another local user can reach any loopback port: tokens are required, and the only ones this run makes
            // live in memory. The sidecar's never leaves the process; the dashboard's is shown to the user who ran start.
            sidecarCredential = RunCredential.Create("start-sidecar", TokenScope.Sidecar);
            // Read scope: the dashboard only reads, and a browser's session cookie authorizes no more anyway.
            dashboard = RunCredential.Create("start-dashboard", TokenScope.Read);
            // Approve: the local user's hookline approvals, shown on the terminal only (see StartCommand).
            approver = RunCredential.Create("start-approver", TokenScope.Approve);
            var options = new HooklineServerOptions
            {
                Listen = "",
                HttpListen = "http://127.0.0.1:0",
                Auth = ServerAuthMode.Required,
                ConnectionLimits = Core.ConnectionLimits.Embedded,
                // It shares this process with the sidecar and the machine with the agent: answers first.
                StorageBehindDecisions = true,
                PolicyFile = policyFile,
                DataDirectory = dataDirectory ?? HooklineServerOptions.DefaultDataDirectory(),
                LogLevel = logLevel,
            };
            options.RunCredentials.Add(sidecarCredential);
            options.RunCredentials.Add(dashboard);
            options.RunCredentials.Add(approver);
            server = await HooklineServer.StartAsync(options, cancellationToken);
            serverUrl = server.GrpcAddress;
        }
        var loggers = CommonOptions.Console(logLevel);
        try
        {
            var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
            {
                ServerUrl = serverUrl,
                CallInvoker = server?.CreateInProcessInvoker(),
                // A shared server takes the user's token (--token-file, --token or $HOOKLINE_TOKEN); the embedded one this run's.
                Token = sidecarCredential?.Secret ?? remoteToken,
                Agent = agent,
                FailMode = failMode,
                Budget = budget,
                StateDirectory = stateDirectory,
                LoggerFactory = loggers,
                HttpHooks = httpHooks,
                CaFile = remoteTls?.CaFile,
                ClientCertificateFile = remoteTls?.ClientCertificateFile,
                ClientKeyFile = remoteTls?.ClientKeyFile,
            }, cancellationToken);
            return new EmbeddedStack(server, sidecar, loggers, dashboard, approver);
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

/// <summary>The TLS files of <c>start --server</c> for a shared server (see <see cref="ClientTlsFlags"/>).</summary>
internal sealed record RemoteTls(string? CaFile, string? ClientCertificateFile, string? ClientKeyFile);
