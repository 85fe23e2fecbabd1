using System.Diagnostics;

namespace Hookline.Testing;

/// <summary>
/// The per-user daemon a hook started on demand runs detached (its own session), so no test owns its process: stop it
/// by the pid it wrote into its lock file (<c>sidecar.lock</c> beside its socket).
/// </summary>
public static class DaemonLock
{
    /// <summary>Stops the daemon whose lock file is <paramref name="lockFile"/>, if one runs; waits for it to exit.</summary>
    public static async Task StopAsync(string lockFile)
    {
        if (await PidAsync(lockFile) is not { } pid)
        {
            return;
        }
        try
        {
            using var daemon = Process.GetProcessById(pid);
            if (daemon.ProcessName != "hookline")
            {
                return; // gone, and its pid reused
            }
            daemon.Kill();
            await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }

    /// <summary>The pid in the lock file, or null when there is none.</summary>
    public static async Task<int?> PidAsync(string lockFile) =>
        File.Exists(lockFile) && int.TryParse((await ReadSharedAsync(lockFile)).Trim(), out var pid) ? pid : null;

    /// <summary>The daemon holds an exclusive flock on the file, which .NET's own readers respect: read it with cat.</summary>
    private static async Task<string> ReadSharedAsync(string path)
    {
        using var cat = Process.Start(new ProcessStartInfo("cat", [path]) { RedirectStandardOutput = true })!;
        var text = await cat.StandardOutput.ReadToEndAsync();
        await cat.WaitForExitAsync();
        return text;
    }
}
