using Hookline.Sidecar;

namespace Hookline.LoadTool.Fixtures;

/// <summary>
/// The server and sidecar a hook chain runs against: both in this process (<see cref="InProcessStack"/>), or each its
/// own process of the published Native AOT <c>hookline</c> (as deployed: <c>hookline server</c>, <c>hookline sidecar</c>).
/// </summary>
internal sealed class ChainStack : IAsyncDisposable
{
    private readonly InProcessStack? _inProcess;
    private readonly CliProcess? _server;
    private readonly CliProcess? _sidecar;

    private ChainStack(string socketPath, InProcessStack? inProcess, CliProcess? server, CliProcess? sidecar)
    {
        SocketPath = socketPath;
        _inProcess = inProcess;
        _server = server;
        _sidecar = sidecar;
    }

    public string SocketPath { get; }

    /// <summary>The sidecar's process id; null when it runs in this process.</summary>
    public int? SidecarPid => _sidecar?.Pid;

    public static async Task<ChainStack> InThisProcessAsync(TempDirectory directory)
    {
        var stack = await InProcessStack.StartAsync(directory);
        return new ChainStack(stack.Sidecar.SocketPath, stack, null, null);
    }

    /// <param name="sidecarEnvironment">Runtime settings tried on the sidecar alone (<c>--sidecar-env</c>).</param>
    public static async Task<ChainStack> InProcessesAsync(TempDirectory directory, IReadOnlyDictionary<string, string> sidecarEnvironment)
    {
        var (server, url) = await CliProcess.StartServerAsync(directory);
        var socketPath = directory.Combine("hook.sock");
        var sidecar = CliProcess.Start(["sidecar", "--server", url, "--socket", socketPath, "--state-dir", directory.Combine("state"),
            "--log-level", "Warning"], sidecarEnvironment);
        try
        {
            await sidecar.WaitForLineAsync(l => l.StartsWith("HOOKLINE_SOCKET=", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        }
        catch
        {
            await sidecar.DisposeAsync();
            await server.DisposeAsync();
            throw;
        }
        return new ChainStack(socketPath, null, server, sidecar);
    }

    /// <summary>How many hooks were answered from each decision source (remote, local, ...).</summary>
    public async Task<string> SourcesAsync()
    {
        if (_inProcess is not null)
        {
            return _inProcess.Sources();
        }
        var status = await HooklineSidecar.QueryStatusAsync(SocketPath, json: false);
        var counted = status.Split('\n')
            .Where(line => line.StartsWith("hookline_decisions_total{", StringComparison.Ordinal) && !line.EndsWith(" 0", StringComparison.Ordinal))
            .Select(line => line["hookline_decisions_total".Length..]);
        return string.Join(", ", counted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_inProcess is not null)
        {
            await _inProcess.DisposeAsync();
        }
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
