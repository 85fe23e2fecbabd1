using Microsoft.Data.Sqlite;

namespace Hookline.EndToEnd.Tests;

/// <summary>
/// `hookline` and `hookline-hook` are the whole install (SQLite is linked into `hookline`): copied alone into an empty
/// directory, they run the server on SQLite, a sidecar and the hook. Before SQLite was linked in statically, the server
/// died there with DllNotFoundException: 'e_sqlite3' (libe_sqlite3.so had to sit beside the binary).
/// </summary>
public sealed class SelfContainedBinaryTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("hl-alone-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_two_binaries_copied_alone_into_an_empty_directory_run_the_server_on_SQLite_a_sidecar_and_the_hook()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_directory, "bin")).FullName;
        var (hookline, hook) = (Path.Combine(bin, "hookline"), Path.Combine(bin, "hookline-hook"));
        File.Copy(Artifacts.Hookline, hookline);
        File.Copy(Artifacts.Hook, hook);
        Assert.Equal(["hookline", "hookline-hook"], Directory.GetFiles(bin).Select(Path.GetFileName).Order());
        var policy = Path.Combine(_directory, "policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        var (port, httpPort) = (Ports.Free(), Ports.Free());
        var data = Path.Combine(_directory, "data");
        // Run from the empty directory with no library path: nothing but the binary itself can supply SQLite.
        var bare = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = "" };

        await using var server = ChildProcess.Start(hookline,
            ["server", "--listen", $"http://127.0.0.1:{port}", "--http-listen", $"http://127.0.0.1:{httpPort}", "--policy", policy, "--data", data], bare);
        await server.WaitForLineAsync("Hookline server: gRPC on", Bound);
        var socket = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory, "run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName, "hook.sock");
        var session = Guid.NewGuid().ToString();
        await using var sidecar = ChildProcess.Start(hookline,
        [
            "sidecar", "--server", $"http://127.0.0.1:{port}", "--socket", socket, "--state-dir", Path.Combine(_directory, "state"),
            "--session", session, "--fail-mode", "closed",
        ], bare);
        await sidecar.WaitForLineAsync("HOOKLINE_SOCKET=", Bound);

        var run = await HookRun.SpawnAsync(socket, "pre-tool-use", HookRun.Bash("rm -rf /srv/build"), environment: bare, hook: hook);

        Assert.True(run.ExitCode == 0 && run.PermissionDecision == "deny", $"hook: exit {run.ExitCode}, {run.Stdout}{run.Stderr}");
        Assert.Equal(["hookline", "hookline-hook"], Directory.GetFiles(bin).Select(Path.GetFileName).Order());
        await Eventually.TrueAsync(async () => await CountAsync(Path.Combine(data, "hookline.db"), session) == 1, Bound,
            () => $"the denied event of session {session} is not in {data}/hookline.db; server:\n{server.Output}");
    }

    private static async Task<long> CountAsync(string database, string session)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM events WHERE session_id = $session AND hook_event = 'PreToolUse' AND verdict = 'deny'";
        command.Parameters.AddWithValue("$session", session);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
