using System.Collections.Concurrent;

namespace Hookline.Server.Internal.Auth;

/// <summary>The open streams of each token, so that revoking a token can close them.</summary>
internal sealed class OpenStreams
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<CancellationTokenSource, byte>> _byToken = new();

    public IReadOnlyCollection<string> TokenIds => _byToken.Keys.ToArray();

    public IDisposable Register(string tokenId, CancellationTokenSource revoked)
    {
        var streams = _byToken.GetOrAdd(tokenId, static _ => new());
        streams[revoked] = 0;
        return new Registration(this, tokenId, revoked);
    }

    /// <summary>Closes every open stream of the token. Returns how many there were.</summary>
    public int Revoke(string tokenId)
    {
        if (!_byToken.TryRemove(tokenId, out var streams))
        {
            return 0;
        }
        foreach (var stream in streams.Keys)
        {
            try
            {
                stream.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream ended on its own meanwhile.
            }
        }
        return streams.Count;
    }

    private sealed class Registration(OpenStreams owner, string tokenId, CancellationTokenSource revoked) : IDisposable
    {
        public void Dispose()
        {
            if (owner._byToken.TryGetValue(tokenId, out var streams))
            {
                streams.TryRemove(revoked, out _);
            }
        }
    }
}
