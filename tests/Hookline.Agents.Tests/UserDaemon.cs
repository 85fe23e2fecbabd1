using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Hookline.Agents.Tests;

/// <summary>
/// What installed hooks reach: a Hookline server with the run's policy, and the per-user sidecar (<c>hookline sidecar
/// --daemon</c>) on the run's default socket. Both run outside the client's network namespace; the hook reaches the
/// daemon through its Unix socket, which a namespace does not hide.
/// </summary>
internal sealed class UserDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly List<Process> _processes = [];

    public static async Task<UserDaemon> StartAsync(AgentRun run)
    {
        var grpc = $"http://127.0.0.1:{Ports.Free()}";
        var daemon = await ServerAsync(run, grpc);
        try
        {
            await daemon.StartAsync(run, "HOOKLINE_DAEMON_SOCKET=", "sidecar", "--daemon", "--server", grpc);
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Only the server, on <paramref name="listen"/>: for a per-user sidecar a hook starts on demand inside the client's
    /// namespace, which reaches a <c>unix:</c> address (a file, which no network namespace hides) but not this loopback.
    /// </summary>
    public static async Task<UserDaemon> ServerAsync(AgentRun run, string listen, params string[] extra)
    {
        var daemon = new UserDaemon();
        try
        {
            await daemon.StartAsync(run, "Hookline server: gRPC on",
                ["server", "--listen", listen, "--http-listen", $"http://127.0.0.1:{Ports.Free()}", "--policy", run.PolicyFile, "--data", run.DataDirectory, .. extra]);
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(AgentRun run, string readyLine, params string[] args)
    {
        var start = new ProcessStartInfo(AgentClients.Hookline, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in run.Environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start)!;
        _processes.Add(process);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (seen)
            {
                seen.AppendLine(e.Data);
            }
            if (e.Data?.Contains(readyLine, StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (seen)
            {
                seen.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(StartTimeout)) != ready.Task)
        {
            lock (seen)
            {
                throw new InvalidOperationException($"hookline {args[0]} did not start: {seen}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            process.Dispose();
        }
    }
}
