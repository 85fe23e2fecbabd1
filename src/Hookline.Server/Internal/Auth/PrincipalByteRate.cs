using System.Collections.Concurrent;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// A token bucket of event bytes per principal, shared by all its streams. A stream that takes more than is left goes
/// into debt and waits until the debt is paid back before it reads its next message: HTTP/2 flow control then slows
/// the sidecar. Nothing is refused or dropped, and an event larger than the burst still passes (after a wait).
/// </summary>
internal sealed class PrincipalByteRate(HooklineServerOptions options)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = options.TimeProvider;
    private readonly double _rate = options.EventBytesPerSecondPerPrincipal;
    private readonly double _burst = Math.Max(options.EventBurstBytesPerPrincipal, 0);
    private long _waiting;
    private long _delays;

    /// <summary>Streams waiting now to read their next message.</summary>
    public long Waiting => Interlocked.Read(ref _waiting);

    /// <summary>How often a stream was made to wait, since the server started.</summary>
    public long Delays => Interlocked.Read(ref _delays);

    /// <summary>
    /// Takes <paramref name="message"/>'s size from the principal's bucket and waits while the bucket is in debt. The
    /// size (a walk over every field) is computed only when a rate is set.
    /// </summary>
    public ValueTask TakeAsync(Principal principal, Google.Protobuf.IMessage message, CancellationToken cancellationToken)
        => _rate <= 0 ? ValueTask.CompletedTask : TakeAsync(principal, message.CalculateSize(), cancellationToken);

    /// <summary>Takes <paramref name="bytes"/> from the principal's bucket and waits while the bucket is in debt.</summary>
    public ValueTask TakeAsync(Principal principal, long bytes, CancellationToken cancellationToken)
    {
        if (_rate <= 0)
        {
            return ValueTask.CompletedTask;
        }
        var bucket = _buckets.GetOrAdd(principal.Key, static (_, start) => new Bucket(start.Burst, start.Now), (Burst: _burst, Now: _time.GetTimestamp()));
        double debt;
        lock (bucket)
        {
            var now = _time.GetTimestamp();
            bucket.Tokens = Math.Min(_burst, bucket.Tokens + _time.GetElapsedTime(bucket.Updated, now).TotalSeconds * _rate);
            bucket.Updated = now;
            bucket.Tokens -= bytes;
            debt = -bucket.Tokens;
        }
        return debt <= 0 ? ValueTask.CompletedTask : new ValueTask(WaitAsync(TimeSpan.FromSeconds(debt / _rate), cancellationToken));
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _delays);
        Interlocked.Increment(ref _waiting);
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens = tokens;
        public long Updated = updated;
    }
}
