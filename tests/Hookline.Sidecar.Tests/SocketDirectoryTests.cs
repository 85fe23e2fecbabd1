using System.Diagnostics;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A per-session sidecar's socket directory is created 0700 or refused: one another user made, or one others can
/// enter, is never adopted (nor chmod-ed), since the hook would refuse it anyway.
/// </summary>
public sealed class SocketDirectoryTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<HooklineSidecar> StartAsync(string socketDirectory)
    {
        var options = SpoolTestStack.Options(_dir, "http://127.0.0.1:1", Guid.NewGuid().ToString());
        options.SocketPath = Path.Combine(socketDirectory, "s.sock");
        return HooklineSidecar.StartAsync(options);
    }

    [Fact]
    public async Task A_directory_others_can_enter_is_refused_and_left_as_it_was()
    {
        var loose = Directory.CreateDirectory(_dir.File("loose")).FullName;
        File.SetUnixFileMode(loose, (UnixFileMode)0b111_101_101);

        var error = await Assert.ThrowsAsync<IOException>(() => StartAsync(loose));

        Assert.Contains($"refusing {loose}: its mode 755 lets other users in; it must be 700", error.Message);
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(loose));
        Assert.False(File.Exists(Path.Combine(loose, "s.sock")));
    }

    [SkippableFact]
    public async Task A_directory_of_another_user_is_refused()
    {
        Requires.Root("to hand a directory to another uid (CI runs as root)");
        var foreign = Directory.CreateDirectory(_dir.File("foreign"), (UnixFileMode)0b111_000_000).FullName;
        using (var chown = Process.Start("chown", ["12345", foreign]))
        {
            await chown.WaitForExitAsync();
        }

        var error = await Assert.ThrowsAsync<IOException>(() => StartAsync(foreign));

        Assert.Contains($"refusing {foreign}: it belongs to uid 12345", error.Message);
    }

    [Fact]
    public async Task A_missing_directory_is_created_0700_with_its_parents()
    {
        var nested = _dir.File("a/b/run");

        await using var sidecar = await StartAsync(nested);

        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(nested));
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(_dir.File("a")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(sidecar.SocketPath));
    }
}
