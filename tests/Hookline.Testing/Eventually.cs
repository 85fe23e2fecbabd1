using System.Diagnostics;

namespace Hookline.Testing;

/// <summary>
/// Bounded polling for what happens in its own time (another process, a background loop): the condition is checked
/// until it holds, and a timeout is a test failure that says what never happened. Never a silent give-up, never a hang.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="done"/> holds; fails with <paramref name="failure"/> after <paramref name="bound"/>.</summary>
    public static async Task TrueAsync(Func<Task<bool>> done, TimeSpan bound, Func<string> failure)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * bound.TotalSeconds);
        while (!await done())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"not within {bound}: {failure()}");
            await Task.Delay(Interval, CancellationToken.None);
        }
    }

    /// <inheritdoc cref="TrueAsync(Func{Task{bool}}, TimeSpan, Func{string})"/>
    public static Task TrueAsync(Func<bool> done, TimeSpan bound, Func<string> failure) =>
        TrueAsync(() => Task.FromResult(done()), bound, failure);

    /// <summary>Waits until <paramref name="done"/> holds, within <see cref="Bound.Hang"/>; fails naming <paramref name="what"/>.</summary>
    public static Task TrueAsync(Func<bool> done, string what) => TrueAsync(done, Bound.Hang, () => what);

    /// <inheritdoc cref="TrueAsync(Func{bool}, string)"/>
    public static Task TrueAsync(Func<Task<bool>> done, string what) => TrueAsync(done, Bound.Hang, () => what);

    /// <summary>Polls <paramref name="probe"/> until it finds something, and returns it; fails after <paramref name="bound"/>.</summary>
    public static async Task<T> FoundAsync<T>(Func<Task<T?>> probe, TimeSpan bound, Func<string> failure) where T : class
    {
        T? found = null;
        await TrueAsync(async () => (found = await probe()) is not null, bound, failure);
        return found!;
    }
}
