namespace Hookline.EndToEnd.Tests;

/// <summary>
/// After a real run (server and sidecar processes, a real SQLite audit trail with its WAL, a real spool), everything
/// Hookline wrote is 0600 in 0700 directories, whatever the umask: other local users read none of it.
/// </summary>
public sealed class PrivateFilesTests
{
    private const UnixFileMode Directory0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Data_spool_and_socket_files_are_0600_in_0700_directories_after_a_run()
    {
        await using var stack = await ProcessStack.StartAsync();
        var deny = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("rm -rf /srv"));
        Assert.Equal("deny", deny.PermissionDecision);
        await stack.Sidecar!.WaitForLineAsync("; 0 await acknowledgement", TimeSpan.FromSeconds(30));
        Assert.Equal(1, await stack.CountAsync("verdict = 'deny'"));

        var data = Path.Combine(stack.Directory, "data");
        var spool = Path.Combine(stack.Directory, "state", "spool");
        var spoolDb = Path.Combine(spool, stack.SessionId + ".db");
        var files = new[]
        {
            stack.DatabasePath, stack.DatabasePath + "-wal", stack.DatabasePath + "-shm",
            spoolDb, spoolDb + "-wal", spoolDb + "-shm", Path.Combine(spool, stack.SessionId + ".lock"),
            stack.SocketPath,
        };
        var directories = new[] { data, Path.Combine(stack.Directory, "state"), spool, Path.GetDirectoryName(stack.SocketPath)! };

        Assert.All(files, f => Assert.True(File.Exists(f), f + " is missing"));
        Assert.All(files, f => Assert.True(File.GetUnixFileMode(f) == File0600, $"{f} is {File.GetUnixFileMode(f)}"));
        Assert.All(directories, d => Assert.True(File.GetUnixFileMode(d) == Directory0700, $"{d} is {File.GetUnixFileMode(d)}"));
        Assert.All(Directory.GetFiles(data).Concat(Directory.GetFiles(spool)),
            f => Assert.True(File.GetUnixFileMode(f) == File0600, $"{f} is {File.GetUnixFileMode(f)}"));
    }
}
