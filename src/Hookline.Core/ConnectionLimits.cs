namespace Hookline.Core;

/// <summary>
/// Bounds on a loopback HTTP listener, so that idle or slow connections (any local user may open them) cannot hold
/// a process's file descriptors: beyond <see cref="MaxConnections"/> a new connection is closed at once; one that
/// has not sent its request headers within <see cref="HeadersTimeout"/>, or sits idle between requests for
/// <see cref="KeepAliveTimeout"/>, is dropped. Kestrel checks the timeouts about once a second.
/// </summary>
public sealed record ConnectionLimits(int MaxConnections, TimeSpan HeadersTimeout, TimeSpan KeepAliveTimeout)
{
    /// <summary>The sidecar's HTTP-hook listener: one agent session's hooks, a few connections at a time.</summary>
    public static readonly ConnectionLimits HttpHooks = new(64, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));

    /// <summary>A server: one HTTP/2 connection per sidecar on --listen, plus dashboards and scrapers on --http-listen.</summary>
    public static readonly ConnectionLimits Server = new(10_000, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));

    /// <summary><c>hookline start</c>'s embedded server: only its dashboard is on TCP.</summary>
    public static readonly ConnectionLimits Embedded = new(64, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));

    /// <summary>The values Kestrel takes, after checking them: Kestrel would only fail later, at start.</summary>
    public (long MaxConnections, TimeSpan HeadersTimeout, TimeSpan KeepAliveTimeout) Checked()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeadersTimeout, TimeSpan.Zero, nameof(HeadersTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(KeepAliveTimeout, TimeSpan.Zero, nameof(KeepAliveTimeout));
        return (MaxConnections, HeadersTimeout, KeepAliveTimeout);
    }
}
