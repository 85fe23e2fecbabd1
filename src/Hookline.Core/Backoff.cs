namespace Hookline.Core;

/// <summary>
/// Exponential backoff with jitter: sidecars do not reconnect in lockstep after an outage, and storage writers do not
/// hammer a full disk or a lost database.
/// </summary>
public static class Backoff
{
    /// <param name="failures">Consecutive failures, from 1.</param>
    /// <param name="jitter">A number in [0, 1): the delay is spread over [half, full] of the exponential step.</param>
    public static TimeSpan Delay(int failures, TimeSpan min, TimeSpan max, double jitter)
    {
        var exponent = Math.Min(failures - 1, 30);
        var step = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(step * (0.5 + (jitter * 0.5)));
    }
}
