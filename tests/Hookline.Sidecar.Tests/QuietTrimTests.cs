using Hookline.Sidecar.Internal.Memory;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Sidecar.Tests;

/// <summary>The sidecar gives memory back once after each burst of hooks, never while one runs or when nothing ran.</summary>
public sealed class QuietTrimTests
{
    private readonly FakeTimeProvider _time = new();
    private long _allocated;

    [Fact]
    public void A_burst_is_trimmed_once_the_first_quiet_period_after_it()
    {
        using var trim = new QuietTrim(_time, () => _allocated, () => { });

        // The burst: 3 periods of 2 MiB each.
        for (var i = 0; i < 3; i++)
        {
            _allocated += 2 * 1024 * 1024;
            _time.Advance(QuietTrim.Period);
            Assert.Equal(0, trim.Trims);
        }
        // Quiet: a keep-alive's few bytes.
        _allocated += 1024;
        _time.Advance(QuietTrim.Period);
        Assert.Equal(1, trim.Trims);

        // Still quiet: nothing new to give back.
        _allocated += 1024;
        _time.Advance(QuietTrim.Period * 5);
        Assert.Equal(1, trim.Trims);
    }

    [Fact]
    public void A_burst_is_trimmed_within_half_a_second_of_its_end()
    {
        using var trim = new QuietTrim(_time, () => _allocated, () => { });
        var step = TimeSpan.FromMilliseconds(50);

        // Two seconds of hooks, 200 KiB every 50 ms (8 MiB in all), then nothing.
        for (var i = 0; i < 40; i++)
        {
            _allocated += 200 * 1024;
            _time.Advance(step);
        }
        Assert.Equal(0, trim.Trims);
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(step);
        }

        Assert.Equal(1, trim.Trims);
    }

    [Fact]
    public void A_process_that_allocated_little_is_never_trimmed()
    {
        using var trim = new QuietTrim(_time, () => _allocated, () => { });

        for (var i = 0; i < 100; i++)
        {
            _allocated += 1024;
            _time.Advance(QuietTrim.Period);
        }

        Assert.Equal(0, trim.Trims);
    }

    [Fact]
    public void A_steady_load_is_not_interrupted()
    {
        using var trim = new QuietTrim(_time, () => _allocated, () => { });

        for (var i = 0; i < 100; i++)
        {
            _allocated += QuietTrim.QuietBytes * 4;
            _time.Advance(QuietTrim.Period);
        }

        Assert.Equal(0, trim.Trims);
    }

    [Fact]
    public void An_idle_sidecar_checks_once_a_second_and_a_burst_brings_the_short_period_back()
    {
        using var trim = new QuietTrim(_time, () => _allocated, () => { });

        // A minute of nothing: four quick checks, then one a second.
        for (var i = 0; i < 240; i++)
        {
            _time.Advance(QuietTrim.Period);
        }
        Assert.InRange(trim.Checks, 60, 64);

        // A burst shorter than the idle period, then nothing: trimmed within a second and a quarter of its end.
        var before = trim.Checks;
        _allocated += 8 * 1024 * 1024;
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(QuietTrim.Period);
        }
        Assert.Equal(1, trim.Trims);
        Assert.InRange(trim.Checks - before, 2, 3);
    }
}
