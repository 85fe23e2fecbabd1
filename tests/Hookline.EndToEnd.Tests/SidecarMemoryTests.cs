namespace Hookline.EndToEnd.Tests;

/// <summary>
/// The published sidecar runs with its own GC settings (Hookline.Sidecar.SidecarMemory), which bound its memory under hook
/// traffic, while the server, the same binary, keeps the runtime's defaults.
/// </summary>
public sealed class SidecarMemoryTests : IAsyncLifetime
{
    /// <summary>What the sidecar adds to its environment: a 2 MiB gen0 budget, 1 MiB regions (hexadecimal).</summary>
    private static readonly string[] Settings = ["DOTNET_GCgen0MaxBudget=200000", "DOTNET_GCRegionSize=100000"];

    private ProcessStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ProcessStack.StartAsync();

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task The_sidecar_process_runs_with_the_GC_settings_and_the_server_without_them()
    {
        var sidecar = Environ(_stack.Sidecar!.Pid);
        var server = Environ(_stack.Server!.Pid);

        foreach (var setting in Settings)
        {
            // The pid the test started: the sidecar replaced its own process, it did not start another.
            Assert.Contains(setting, sidecar);
            Assert.DoesNotContain(server, entry => entry.StartsWith(setting.Split('=')[0] + "=", StringComparison.Ordinal));
        }
        // Restarted with them, it still answers hooks by the policy.
        var run = await HookRun.SpawnAsync(_stack.SocketPath, "pre-tool-use", HookRun.Bash("rm -rf /srv/build"));
        Assert.True(run.ExitCode == 0 && run.PermissionDecision == "deny", $"hook: exit {run.ExitCode}, {run.Stdout}{run.Stderr}");
    }

    [Fact]
    public async Task A_setting_the_user_gave_is_kept()
    {
        var socket = Path.Combine(_stack.Directory, "run", "own.sock");
        await using var sidecar = ChildProcess.Start(Artifacts.Hookline,
        [
            "sidecar", "--server", _stack.ServerUrl, "--socket", socket, "--state-dir", Path.Combine(_stack.Directory, "own-state"),
        ], new Dictionary<string, string> { ["DOTNET_GCgen0MaxBudget"] = "400000" });
        await sidecar.WaitForLineAsync("HOOKLINE_SOCKET=", TimeSpan.FromSeconds(60));

        var environ = Environ(sidecar.Pid);

        Assert.Contains("DOTNET_GCgen0MaxBudget=400000", environ);
        Assert.Single(environ, entry => entry.StartsWith("DOTNET_GCgen0MaxBudget=", StringComparison.Ordinal));
    }

    /// <summary>The environment the process was started (or last exec'd) with.</summary>
    private static string[] Environ(int pid)
        => File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
}
