using System.Diagnostics;

namespace Hookline.EndToEnd.Tests;

/// <summary>Bounded polling for what another process does in its own time: a clear failure, never a hang.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> done, TimeSpan bound, Func<string> failure)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * bound.TotalSeconds);
        while (!await done())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"not within {bound}: {failure()}");
            await Task.Delay(50);
        }
    }
}
