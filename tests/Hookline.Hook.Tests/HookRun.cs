using System.Diagnostics;
using System.Text;

namespace Hookline.Hook.Tests;

/// <summary>What one hook process did.</summary>
internal sealed record HookResult(int ExitCode, byte[] Stdout, byte[] Stderr, TimeSpan Elapsed)
{
    internal string StderrText => Encoding.UTF8.GetString(Stderr);
}

/// <summary>Spawns the published hook with a clean HOOKLINE_* environment and feeds it stdin.</summary>
internal static class HookRun
{
    /// <summary>No single hook run may take longer than this: it only catches hangs.</summary>
    internal static readonly TimeSpan HangBound = TimeSpan.FromSeconds(30);

    /// <param name="command">The program and its leading arguments (a copy of the hook, or setpriv and the hook);
    /// the published hook when null.</param>
    internal static async Task<HookResult> RunAsync(
        IEnumerable<string> args, byte[] stdin, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? command = null)
    {
        command ??= [PublishedHook.Path];
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in command.Skip(1).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("HOOKLINE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        // Without a socket the hook looks for the per-user daemon, and would start one: keep that out of reach
        // unless a test asks for it.
        start.Environment["XDG_RUNTIME_DIR"] = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hookline-tests-no-runtime-dir");
        start.Environment["HOOKLINE_AUTOSTART"] = "0";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var timeout = new CancellationTokenSource(HangBound);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = ReadAllAsync(process.StandardOutput.BaseStream, timeout.Token);
        var stderr = ReadAllAsync(process.StandardError.BaseStream, timeout.Token);
        try
        {
            await WriteStdinAsync(process, stdin, timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("hook did not exit within " + HangBound);
        }
        clock.Stop();
        return new HookResult(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    private static async Task WriteStdinAsync(Process process, byte[] stdin, CancellationToken cancel)
    {
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin, cancel);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The hook may exit before reading everything (e.g. a usage error); its exit code is what is tested.
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancel)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancel);
        return buffer.ToArray();
    }
}
