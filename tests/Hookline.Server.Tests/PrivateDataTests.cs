namespace Hookline.Server.Tests;

/// <summary>
/// The SQLite audit trail is for its owner only: a new data directory is 0700 and hookline.db (with its -wal and
/// -shm) 0600, whatever the umask; a directory the operator made with other modes is warned about, not changed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateDataTests
{
    [Fact]
    public async Task A_new_data_directory_is_0700_and_the_database_and_its_wal_0600()
    {
        await using var server = await TestServer.StartAsync(Policies.Standard);
        var database = server.Server.DatabasePath;

        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(Path.GetDirectoryName(database)!));
        Assert.All(new[] { database, database + "-wal", database + "-shm" },
            f => Assert.True(File.GetUnixFileMode(f) == (UnixFileMode)0b110_000_000, $"{f} is {File.GetUnixFileMode(f)}"));
    }

    [Fact]
    public async Task An_existing_data_directory_keeps_its_mode_and_still_gets_a_private_database()
    {
        using var dir = new TempDir();
        var data = Directory.CreateDirectory(dir.File("data")).FullName;
        File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101);

        await using var server = await TestServer.StartAsync(dir, Policies.Standard);

        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(data));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(server.Server.DatabasePath));
    }
}
