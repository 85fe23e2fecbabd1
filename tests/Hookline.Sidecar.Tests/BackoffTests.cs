using Hookline.Core;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Tests;

public sealed class BackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(4, 800)]
    [InlineData(30, 10_000)]
    public void Doubles_per_failure_up_to_the_cap(int failures, double fullStepMs)
    {
        Assert.Equal(fullStepMs / 2, Backoff.Delay(failures, Min, Max, jitter: 0).TotalMilliseconds, precision: 6);
        Assert.Equal(fullStepMs, Backoff.Delay(failures, Min, Max, jitter: 1).TotalMilliseconds, precision: 6);
    }

    [Fact]
    public void Jitter_spreads_the_delay_between_half_and_full_step()
    {
        var delays = new[] { 0.0, 0.25, 0.5, 0.99 }.Select(j => Backoff.Delay(3, Min, Max, j)).ToArray();
        Assert.Equal(delays.Length, delays.Distinct().Count());
        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 200, 400));
    }
}

public sealed class SocketPathTests
{
    [Fact]
    public void A_state_directory_too_deep_for_a_socket_path_falls_back_under_tmp()
    {
        var deep = "/home/" + new string('d', 120) + "/.local/state/hookline";

        var path = HooklineSidecar.DefaultSocketPath(deep, "12345678-aaaa-bbbb-cccc-1234567890ab");

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(path) <= Internal.Listening.HookSocketListener.MaxSocketPathBytes, path);
        Assert.EndsWith("/12345678.sock", path);
        Assert.StartsWith($"/tmp/hookline-{Internal.Platform.Current.EffectiveUid}/", path);
    }

    [Fact]
    public void A_short_state_directory_keeps_the_socket_beside_the_state()
    {
        var previous = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", null);
        try
        {
            Assert.Equal("/s/run/12345678.sock", HooklineSidecar.DefaultSocketPath("/s", "12345678-aaaa-bbbb-cccc-1234567890ab"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", previous);
        }
    }
}
