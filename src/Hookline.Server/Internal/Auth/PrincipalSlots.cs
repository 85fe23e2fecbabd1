using System.Collections.Concurrent;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// How many of something (open streams, unary calls in progress) each principal holds, so that one credential cannot
/// take every slot. Zero or less: no limit.
/// </summary>
internal sealed class PrincipalSlots(int max)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly int _max = max;

    public int OpenCount(Principal principal) => _open.GetValueOrDefault(principal.Key);

    /// <summary>Counts one more slot of the principal; null (and nothing counted) when it holds its limit already.</summary>
    public IDisposable? TryOpen(Principal principal)
    {
        var key = principal.Key;
        while (true)
        {
            var current = _open.GetValueOrDefault(key);
            if (_max > 0 && current >= _max)
            {
                return null;
            }
            if (current == 0 ? _open.TryAdd(key, 1) : _open.TryUpdate(key, current + 1, current))
            {
                return new Slot(this, key);
            }
        }
    }

    private void Close(string key)
    {
        while (true)
        {
            var current = _open.GetValueOrDefault(key);
            if (current <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(key, current)) : _open.TryUpdate(key, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Slot(PrincipalSlots owner, string key) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                owner.Close(key);
            }
        }
    }
}
