using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hookline.LoadTool.Native;

namespace Hookline.LoadTool.Fixtures;

/// <summary>A published <c>hookline</c> command run as a child process (server or sidecar), stopped with SIGTERM.</summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private CliProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public static CliProcess Start(params string[] arguments) => Start(arguments, new Dictionary<string, string>());

    /// <summary>Starts the command with <paramref name="environment"/> added to this process's own.</summary>
    public static CliProcess Start(string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(RepoPaths.Cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return new CliProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start " + RepoPaths.Cli));
    }

    /// <summary>
    /// <c>hookline server</c> on a free loopback port, storing in SQLite under <paramref name="directory"/> or in
    /// <paramref name="postgres"/>; returns once the port accepts connections.
    /// </summary>
    public static async Task<(CliProcess Server, string Url)> StartServerAsync(TempDirectory directory, string? postgres = null)
    {
        var port = FreePort();
        // With --postgres, --data keeps only the server's token file: in the scratch directory, not the home.
        string[] store = postgres is null ? ["--data", directory.Combine("data")] : ["--postgres", postgres, "--data", directory.Combine("data")];
        var server = Start(["server", "--listen", $"http://127.0.0.1:{port}", "--http-listen", "", .. store,
            "--policy", BenchPolicy.WriteTo(directory.Path), "--log-level", "Warning",
            // The load stands for a fleet of users but sends as one principal: no per-principal limits.
            "--max-streams-per-principal", "0", "--max-unary-calls-per-principal", "0", "--event-bytes-per-second", "0"]);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return (server, $"http://127.0.0.1:{port}");
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(20) && !server._process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException("hookline server did not listen:\n" + server.Output());
            }
        }
    }

    /// <summary>Waits until a line of output satisfies <paramref name="match"/> (bounded by <paramref name="timeout"/>).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !_process.HasExited)
        {
            if (_output.FirstOrDefault(match) is { } line)
            {
                return line;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no matching output from {RepoPaths.Cli}:\n{Output()}");
    }

    /// <summary>Peak and current resident set size from /proc, in KiB.</summary>
    public (long PeakKb, long CurrentKb) Rss()
    {
        long peak = 0, current = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                current = Kilobytes(line);
            }
        }
        return (peak, current);
    }

    public string Output() => string.Join('\n', _output.TakeLast(40));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Libc.kill(_process.Id, Libc.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null && _output.Count < 10_000)
        {
            _output.Enqueue(line);
        }
    }

    private static long Kilobytes(string statusLine)
        => long.Parse(statusLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
