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

        Assert.Equal(restarts, SidecarMemory.NeedsRestart(args));
    }
}
