namespace Hookline.Testing;

/// <summary>Upper bound for anything a test awaits: far above any real latency, only there so a bug hangs no run.</summary>
public static class Bound
{
    public static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    public static CancellationToken Token() => new CancellationTokenSource(Hang).Token;

    public static async Task<T> Within<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Hang);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no {what} within {Hang.TotalSeconds} s");
        }
    }
}
