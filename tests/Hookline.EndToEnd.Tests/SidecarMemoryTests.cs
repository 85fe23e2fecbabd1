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
    public async Task Over_plain_loopback_the_sidecar_answers_hooks_without_loading_OpenSSL()
    {
        // Each pushed snapshot was hashed on arrival (SHA-256 through OpenSSL), for a hash the sidecar never reads:
        // libcrypto and libssl mapped into every sidecar, about 4 MiB of its RSS.
        var run = await HookRun.SpawnAsync(_stack.SocketPath, "pre-tool-use", HookRun.Bash("rm -rf /srv/build"));
        Assert.True(run.ExitCode == 0 && run.PermissionDecision == "deny", $"hook: exit {run.ExitCode}, {run.Stdout}{run.Stderr}");

        var maps = await File.ReadAllTextAsync($"/proc/{_stack.Sidecar!.Pid}/maps");

        Assert.DoesNotContain("libcrypto", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("libssl", maps, StringComparison.Ordinal);
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

    [Fact]
    public async Task Run_through_the_dotnet_host_the_sidecar_runs_itself_not_a_dotnet_sidecar_tool()
    {
        // The JIT build (dotnet build, as ./build.sh runs it first). Exec'ing the host with the CLI's arguments would
        // make it look up a `dotnet-sidecar` tool on PATH and run that: a JIT build keeps the defaults instead.
        var dll = Path.Combine(Repository.Root, "src", "Hookline.Cli", "bin", "Release", "net10.0", "hookline.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: run ./build.sh (or dotnet build -c Release) first");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, ArgumentList = { dll, "sidecar", "--help" },
        };
        foreach (var setting in Settings)
        {
            start.Environment.Remove(setting.Split('=')[0]);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stdout}{await stderr}");
        Assert.Contains("--socket", await stdout);
        Assert.DoesNotContain("dotnet-sidecar", await stderr);
    }

    [Fact]
    public async Task The_restart_keeps_arguments_and_environment_that_are_not_UTF8_byte_for_byte()
    {
        // 0xE9 (Latin-1 é) is no valid UTF-8. A shell puts the raw byte into an argument and a variable, then execs the
        // sidecar (same pid), which restarts itself with the GC settings.
        var prefix = Path.Combine(_stack.Directory, "caf");
        var state = Path.Combine(_stack.Directory, "latin1-state");
        await using var sidecar = ChildProcess.Start("/bin/sh",
        [
            "-c", """exec env "HOOKLINE_LATIN1=caf$(printf '\351')" "$0" sidecar --server "$1" --socket "$2$(printf '\351')/s.sock" --state-dir "$3" """,
            Artifacts.Hookline, _stack.ServerUrl, prefix, state,
        ]);
        await sidecar.WaitForLineAsync("HOOKLINE_SOCKET=", TimeSpan.FromSeconds(60));

        var environ = Entries(File.ReadAllBytes($"/proc/{sidecar.Pid}/environ"));
        var cmdline = Entries(File.ReadAllBytes($"/proc/{sidecar.Pid}/cmdline"));

        // Restarted: the settings are there, and so is every byte the shell gave (through .NET strings the 0xE9 came back
        // as U+FFFD, EF BF BD).
        Assert.Contains(Settings[0], environ.Select(entry => System.Text.Encoding.UTF8.GetString(entry)));
        Assert.Contains<byte[]>([.. "HOOKLINE_LATIN1=caf"u8, 0xE9], environ, ByteComparer);
        Assert.Equal<byte[]>(
        [
            Bytes(Artifacts.Hookline), Bytes("sidecar"), Bytes("--server"), Bytes(_stack.ServerUrl), Bytes("--socket"),
            [.. Bytes(prefix), 0xE9, .. "/s.sock"u8], Bytes("--state-dir"), Bytes(state),
        ], cmdline, ByteComparer);
    }

    private static readonly IEqualityComparer<byte[]> ByteComparer
        = EqualityComparer<byte[]>.Create((a, b) => a.AsSpan().SequenceEqual(b), bytes => bytes.Length);

    private static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    /// <summary>The NUL-terminated entries of a /proc file, as the kernel holds them.</summary>
    private static List<byte[]> Entries(byte[] bytes)
    {
        var entries = new List<byte[]>();
        for (var start = 0; start < bytes.Length;)
        {
            var end = Array.IndexOf(bytes, (byte)0, start);
            end = end < 0 ? bytes.Length : end;
            entries.Add(bytes[start..end]);
            start = end + 1;
        }
        return entries;
    }

    /// <summary>The environment the process was started (or last exec'd) with.</summary>
    private static string[] Environ(int pid)
        => File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
}
