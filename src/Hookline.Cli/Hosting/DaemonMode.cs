using System.CommandLine;
using Hookline.Cli.Output;
using Hookline.Sidecar;
using Microsoft.Extensions.Logging;

namespace Hookline.Cli.Hosting;

/// <summary>
/// <c>hookline sidecar --daemon</c>: the per-user sidecar for hooks installed without the <c>start</c> wrapper. One per
/// user (a second start reports the running one and exits 0); with <c>--exit-when-idle</c> it exits once no agent
/// session has been open for the idle timeout, which is how the hook's on-demand start stays bounded.
/// </summary>
internal static class DaemonMode
{
    /// <summary>The server a daemon talks to when no --server is given: <c>$HOOKLINE_SERVER</c>, else the local default.</summary>
    public static string DefaultServer() =>
        Environment.GetEnvironmentVariable("HOOKLINE_SERVER") is { Length: > 0 } server ? server : "http://127.0.0.1:7420";

    public static async Task<int> RunAsync(ParseResult parse, SidecarOptions options, bool exitWhenIdle, CancellationToken cancellationToken)
    {
        HooklineDaemon daemon;
        try
        {
            daemon = await HooklineDaemon.StartAsync(options, cancellationToken);
        }
        catch (DaemonAlreadyRunningException ex)
        {
            await parse.Out().WriteLineAsync($"hookline sidecar: {ex.Message}; nothing to do");
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            await parse.Error().WriteLineAsync($"hookline sidecar --daemon: {ex.Message}");
            return 2;
        }
        await using (daemon)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (exitWhenIdle)
            {
                daemon.Idle += () => idle.Cancel();
            }
            // Scripts and `hookline doctor` read this line.
            parse.Out().WriteLine($"HOOKLINE_DAEMON_SOCKET={daemon.SocketPath}");
            await CommonOptions.WaitForShutdownAsync(idle.Token);
        }
        return 0;
    }
}
