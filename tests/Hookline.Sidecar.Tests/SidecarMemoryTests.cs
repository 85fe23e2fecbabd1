using Hookline.Sidecar.Internal.Memory;

namespace Hookline.Sidecar.Tests;

/// <summary>Which invocations of the CLI restart themselves with the sidecar's GC settings.</summary>
public sealed class SidecarMemoryTests
{
    [Theory]
    [InlineData(true, "sidecar")]
    [InlineData(true, "sidecar", "--daemon")]
    [InlineData(true, "sidecar", "--server", "http://127.0.0.1:7420", "--socket", "/tmp/x.sock")]
    [InlineData(false, "sidecar", "status")]
    [InlineData(false, "sidecar", "install")]
    [InlineData(false, "sidecar", "uninstall")]
    [InlineData(false, "server")]
    [InlineData(false, "start")]
    [InlineData(false)]
    public void Only_a_running_sidecar_restarts_with_the_settings(bool restarts, params string[] args)
    {
        // This test process runs without the settings in its environment, as a sidecar does before its restart.
        Assert.All(SidecarMemory.Settings, setting => Assert.Null(Environment.GetEnvironmentVariable(setting.Key)));

        Assert.Equal(restarts, SidecarMemory.WantsSettings(args));
    }

    [Fact]
    public void A_JIT_build_run_by_a_host_never_restarts()
    {
        // This test process is the dotnet host running JIT code, as `dotnet hookline.dll sidecar` is: exec'ing the host
        // with the CLI's arguments would run a `dotnet-sidecar` found on PATH, not the sidecar.
        Assert.True(SidecarMemory.WantsSettings(["sidecar"]));
        Assert.False(SidecarMemory.NeedsRestart(["sidecar"]));
    }

    [Fact]
    public void The_restart_keeps_every_byte_of_the_arguments_and_environment()
    {
        // 0xE9 is é in Latin-1 and no valid UTF-8: through a .NET string it would come back as U+FFFD (EF BF BD).
        byte[] cmdline = [.. "/opt/hookline\0sidecar\0--socket\0/tmp/caf"u8, 0xE9, .. "/s.sock\0\0--daemon\0"u8];
        byte[] environ = [.. "HOME=/home/"u8, 0xE9, 0xFF, .. "\0PATH=/usr/bin\0"u8];

        var image = RestartImage.From(cmdline, environ, SidecarMemory.Settings)!;

        Assert.Equal<byte[]>(
        [
            "/opt/hookline"u8.ToArray(), "sidecar"u8.ToArray(), "--socket"u8.ToArray(), [.. "/tmp/caf"u8, 0xE9, .. "/s.sock"u8],
            [], "--daemon"u8.ToArray(),
        ], image.Argv);
        Assert.Equal<byte[]>(
        [
            [.. "HOME=/home/"u8, 0xE9, 0xFF], "PATH=/usr/bin"u8.ToArray(),
            "DOTNET_GCgen0MaxBudget=200000"u8.ToArray(), "DOTNET_GCRegionSize=100000"u8.ToArray(),
        ], image.Envp);
    }

    [Fact]
    public void Without_a_command_line_there_is_nothing_to_restart()
        => Assert.Null(RestartImage.From([], "HOME=/root\0"u8, SidecarMemory.Settings));
}
