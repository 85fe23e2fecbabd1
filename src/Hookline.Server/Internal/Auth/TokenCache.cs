namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Successful checks of Hookline tokens, kept briefly so that a busy server does not ask the token store (a database
/// round trip with PostgreSQL) on every unary call. Keyed by the SHA-256 of the secret, never the secret; the cached
/// <see cref="Caller"/> carries the token's scope, so scope checks stay exact. Failed checks are never kept, so an
/// unknown token cannot grow the cache and a new token works at once. Revocation drops the token's entries: at once
/// through this server's admin endpoint, and on the <see cref="RevocationWatcher"/>'s next poll (which also asks about
/// every cached token) for a revocation made elsewhere. The lifetime only backs that up.
/// </summary>
internal sealed class TokenCache
{
    /// <summary>The default of <see cref="HooklineServerOptions.TokenCacheLifetime"/>.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(10);

    /// <summary>At most this many tokens are kept; the oldest entry makes room for a new one.</summary>
    public const int Capacity = 4096;

    private readonly ITokenStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    // Oldest first.
    private readonly LinkedList<Entry> _order = new();
    // Bumped by every revocation, so that a store answer read before it is not cached after it.
    private long _generation;
    private long _storeLookups;

    /// <param name="lifetime">How long a successful check is trusted unless revoked meanwhile; zero: not at all.</param>
    public TokenCache(ITokenStore store, TimeProvider time, TimeSpan lifetime)
    {
        _store = store;
        _time = time;
        _lifetime = lifetime;
    }

    /// <summary>Whether the store failed for a passing reason (its database is away), as the store itself judges it.</summary>
    public bool IsTransient(Exception exception) => _store.IsTransient(exception);

    /// <summary>How many checks went to the store (misses), since start.</summary>
    public long StoreLookups => Interlocked.Read(ref _storeLookups);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The ids of the tokens cached and not yet stale: what the revocation poll must ask about.</summary>
    public IReadOnlyCollection<string> TokenIds
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_lock)
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                for (var node = _order.First; node is not null;)
                {
                    var next = node.Next;
                    if (node.Value.Until <= now)
                    {
                        Remove(node);
                    }
                    else
                    {
                        ids.Add(node.Value.Caller.TokenId!);
                    }
                    node = next;
                }
                return ids;
            }
        }
    }

    /// <summary>The caller a presented Hookline token stands for, or null when it is unknown or revoked.</summary>
    public async ValueTask<Caller?> AuthenticateAsync(string token, CancellationToken cancellation = default)
    {
        var key = Convert.ToBase64String(Tokens.Hash(token));
        var now = _time.GetUtcNow();
        long generation;
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (node.Value.Until > now)
                {
                    return node.Value.Caller;
                }
                Remove(node);
            }
            generation = _generation;
        }
        Interlocked.Increment(ref _storeLookups);
        var caller = await _store.AuthenticateAsync(token, cancellation).ConfigureAwait(false);
        if (caller?.TokenId is null)
        {
            return caller;
        }
        // Never past the credential's own expiry.
        var until = caller.ExpiresAt is { } expires && expires < now + _lifetime ? expires : now + _lifetime;
        if (until <= now)
        {
            return caller;
        }
        lock (_lock)
        {
            if (generation == _generation && !_entries.ContainsKey(key))
            {
                if (_entries.Count >= Capacity)
                {
                    Remove(_order.First!);
                }
                _entries[key] = _order.AddLast(new Entry(key, caller, until));
            }
        }
        return caller;
    }

    /// <summary>Drops every entry of a revoked token, so that its next call asks the store.</summary>
    public void Forget(string tokenId)
    {
        lock (_lock)
        {
            _generation++;
            for (var node = _order.First; node is not null;)
            {
                var next = node.Next;
                if (string.Equals(node.Value.Caller.TokenId, tokenId, StringComparison.Ordinal))
                {
                    Remove(node);
                }
                node = next;
            }
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _entries.Remove(node.Value.Key);
        _order.Remove(node);
    }

    private sealed record Entry(string Key, Caller Caller, DateTimeOffset Until);
}
