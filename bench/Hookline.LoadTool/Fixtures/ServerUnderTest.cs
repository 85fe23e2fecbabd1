using System.Diagnostics;
using Hookline.Server;

namespace Hookline.LoadTool.Fixtures;

/// <summary>The server a load run targets: a <c>hookline server</c> child process, or a server in this process.</summary>
internal sealed class ServerUnderTest : IAsyncDisposable
{
    private readonly CliProcess? _process;
    private readonly HooklineServer? _inProcess;

    private ServerUnderTest(string url, CliProcess? process, HooklineServer? inProcess)
    {
        Url = url;
        _process = process;
        _inProcess = inProcess;
    }

    public string Url { get; }

    public CliProcess? Process => _process;

    /// <param name="postgres">A PostgreSQL connection string to store in, instead of SQLite under <paramref name="directory"/>.</param>
    public static async Task<ServerUnderTest> StartAsync(TempDirectory directory, bool external, string? postgres = null)
    {
        if (external)
        {
            var (process, url) = await CliProcess.StartServerAsync(directory, postgres);
            return new ServerUnderTest(url, process, null);
        }
        var server = await InProcessServer.StartAsync(directory, postgres);
        return new ServerUnderTest(server.GrpcAddress, null, server);
    }

    /// <summary>CPU time of the server process; of this whole process when the server runs in it.</summary>
    public TimeSpan CpuTime()
    {
        using var process = _process is null ? System.Diagnostics.Process.GetCurrentProcess() : System.Diagnostics.Process.GetProcessById(_process.Pid);
        return process.TotalProcessorTime;
    }

    /// <summary>Resident set of the server process in KiB; of this whole process when the server runs in it.</summary>
    public long Rss() => _process?.Rss().CurrentKb ?? System.Diagnostics.Process.GetCurrentProcess().WorkingSet64 / 1024;

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        if (_inProcess is not null)
        {
            await _inProcess.DisposeAsync();
        }
    }
}
