using Microsoft.Data.Sqlite;

namespace Hookline.EndToEnd.Tests;

/// <summary>The per-user daemon with the real binaries: started on demand by the hook, one per user, its service unit.</summary>
public sealed class DaemonTests : IAsyncLifetime
{
    private ProcessStack _stack = null!;

    private string RuntimeDirectory => Path.Combine(_stack.Directory, "rt");

    private string DaemonSocket => Path.Combine(RuntimeDirectory, "hookline", "sidecar.sock");

    private string ConfigHome => Path.Combine(_stack.Directory, "agent-config");

    /// <summary>
    /// What an agent's environment holds for hooks installed without the wrapper: no HOOKLINE_SOCKET, and the server
    /// only in the user's recorded configuration (a daemon a hook starts sees none of the hook's HOOKLINE_SERVER).
    /// </summary>
    private Dictionary<string, string> AgentEnvironment => new()
    {
        ["XDG_RUNTIME_DIR"] = RuntimeDirectory,
        ["XDG_STATE_HOME"] = Path.Combine(_stack.Directory, "state"),
        ["XDG_CONFIG_HOME"] = ConfigHome,
        ["HOOKLINE_SERVER"] = "",
        ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(_stack.Directory, "orphans.jsonl"),
        // Generous: the first hook also pays for the daemon's start and its first connection on a busy machine.
        ["HOOKLINE_HOOK_TIMEOUT_MS"] = "30000",
    };

    public async Task InitializeAsync()
    {
        _stack = await ProcessStack.StartAsync(withSidecar: false);
        // What `hookline install --server` records: 0600 in a 0700 directory.
        var directory = Directory.CreateDirectory(Path.Combine(ConfigHome, "hookline"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var file = Path.Combine(directory, "sidecar.yaml");
        await File.WriteAllTextAsync(file, $"server: {_stack.ServerUrl}\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public async Task DisposeAsync()
    {
        // The daemon was started by the hook, detached: stop it by the pid it wrote into its lock file.
        await DaemonLock.StopAsync(Path.Combine(RuntimeDirectory, "hookline", "sidecar.lock"));
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task Without_a_socket_the_hook_starts_the_daemon_on_demand_and_it_decides_by_the_policy()
    {
        Assert.False(File.Exists(DaemonSocket));

        var denied = await HookRun.SpawnAsync(null, "pre-tool-use", HookRun.Bash("rm -rf /home"), environment: AgentEnvironment);
        var other = await HookRun.SpawnAsync(null, "pre-tool-use",
            HookRun.Bash("git status").Replace("3982e839-f0d1-4fef-886f-7146ed1dad82", "second-agent-session"), environment: AgentEnvironment);

        Assert.True(denied.ExitCode == 0, denied.Stderr);
        Assert.Equal("deny", denied.PermissionDecision);
        Assert.Contains("Recursive force delete is blocked", denied.Stdout);
        Assert.Equal("allow", other.PermissionDecision);
        Assert.True(File.Exists(DaemonSocket));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(DaemonSocket)!));
        await using var connection = new SqliteConnection($"Data Source={_stack.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sessions WHERE agent_session_id IN ('3982e839-f0d1-4fef-886f-7146ed1dad82', 'second-agent-session')";
        Assert.Equal(2L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_second_daemon_reports_the_running_one_and_exits_0()
    {
        await HookRun.SpawnAsync(null, "session-start", "{\"session_id\":\"s\"}", environment: AgentEnvironment);

        var second = await CliRun.RunAsync(["sidecar", "--daemon"], AgentEnvironment);

        Assert.Equal(0, second.Exit);
        Assert.Contains("already serves " + DaemonSocket, second.Stdout);
    }

    [Fact]
    public async Task Install_service_writes_a_systemd_user_unit_that_runs_the_daemon()
    {
        var config = Path.Combine(_stack.Directory, "config");

        var run = await CliRun.RunAsync(["sidecar", "install-service", "--server", _stack.ServerUrl],
            new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = config });

        Assert.Equal(0, run.Exit);
        var unit = await File.ReadAllTextAsync(Path.Combine(config, "systemd", "user", "hookline-sidecar.service"));
        Assert.Contains($"ExecStart={Artifacts.Hookline} sidecar --daemon --server {_stack.ServerUrl}", unit);
        Assert.Contains("WantedBy=default.target", unit);
        Assert.Contains("UMask=0077", unit);
    }
}
