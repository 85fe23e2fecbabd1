using Hookline.Sidecar.Internal;

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
