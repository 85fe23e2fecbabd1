using Hookline.Server.Internal.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>The cache of successful token checks: what it keeps, for how long, and what it never keeps.</summary>
public sealed class TokenCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 4, 0, 0, TimeSpan.Zero));
    private readonly CountingStore _store = new();
    private readonly TokenCache _cache;

    public TokenCacheTests() => _cache = new TokenCache(_store, _time, TokenCache.DefaultLifetime);

    [Fact]
    public async Task A_valid_token_is_checked_once_in_the_store_until_its_entry_is_stale()
    {
        var token = _store.Add("t1");

        var first = await _cache.AuthenticateAsync(token);
        for (var i = 0; i < 10; i++)
        {
            Assert.Same(first, await _cache.AuthenticateAsync(token));
        }
        Assert.Equal(1, _store.Lookups);

        _time.Advance(TokenCache.DefaultLifetime);
        Assert.NotNull(await _cache.AuthenticateAsync(token));
        Assert.Equal(2, _store.Lookups);
    }

    [Fact]
    public async Task Unknown_tokens_are_never_kept_so_they_cannot_grow_the_cache_and_a_new_token_works_at_once()
    {
        var later = Tokens.NewSecret();
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(await _cache.AuthenticateAsync(Tokens.NewSecret()));
        }
        Assert.Null(await _cache.AuthenticateAsync(later));

        _store.Add("late", later);

        Assert.NotNull(await _cache.AuthenticateAsync(later));
        Assert.Equal(1, _cache.Count);
        Assert.Equal(102, _store.Lookups);
    }

    [Fact]
    public async Task The_cache_is_bounded_and_the_oldest_entry_makes_room()
    {
        var tokens = Enumerable.Range(0, TokenCache.Capacity + 1).Select(i => _store.Add("t" + i)).ToArray();
        foreach (var token in tokens)
        {
            await _cache.AuthenticateAsync(token);
        }

        Assert.Equal(TokenCache.Capacity, _cache.Count);
        await _cache.AuthenticateAsync(tokens[^1]);
        Assert.Equal(TokenCache.Capacity + 1, _store.Lookups);
        await _cache.AuthenticateAsync(tokens[0]);
        Assert.Equal(TokenCache.Capacity + 2, _store.Lookups);
    }

    [Fact]
    public async Task A_credential_with_an_expiry_is_not_accepted_from_the_cache_after_it_expires()
    {
        var token = _store.Add("short", expiresAt: _time.GetUtcNow() + TimeSpan.FromSeconds(2));
        Assert.NotNull(await _cache.AuthenticateAsync(token));
        Assert.NotNull(await _cache.AuthenticateAsync(token));
        Assert.Equal(1, _store.Lookups);

        _time.Advance(TimeSpan.FromSeconds(2));
        _store.Expire(token);

        Assert.Null(await _cache.AuthenticateAsync(token));
        Assert.Equal(2, _store.Lookups);
    }

    [Fact]
    public async Task Forgetting_a_revoked_token_drops_its_entry_and_is_watched_until_then()
    {
        var kept = _store.Add("kept");
        var revoked = _store.Add("revoked");
        await _cache.AuthenticateAsync(kept);
        await _cache.AuthenticateAsync(revoked);
        Assert.Equal(["kept", "revoked"], _cache.TokenIds.Order());

        _store.Expire(revoked);
        _cache.Forget("revoked");

        Assert.Null(await _cache.AuthenticateAsync(revoked));
        Assert.NotNull(await _cache.AuthenticateAsync(kept));
        Assert.Equal(["kept"], _cache.TokenIds);
        Assert.Equal(3, _store.Lookups);
    }

    [Fact]
    public async Task A_check_that_raced_a_revocation_is_not_cached()
    {
        var token = _store.Add("raced");
        // The store answers, then the token is revoked and forgotten before the answer is cached.
        _store.During = () => _cache.Forget("raced");

        Assert.NotNull(await _cache.AuthenticateAsync(token));

        Assert.Equal(0, _cache.Count);
    }

    [Fact]
    public async Task A_zero_lifetime_asks_the_store_every_time()
    {
        var cache = new TokenCache(_store, _time, TimeSpan.Zero);
        var token = _store.Add("uncached");

        Assert.NotNull(await cache.AuthenticateAsync(token));
        Assert.NotNull(await cache.AuthenticateAsync(token));

        Assert.Equal((2, 0), (_store.Lookups, cache.Count));
    }

    /// <summary>Tokens in memory, counting how often it is asked.</summary>
    private sealed class CountingStore : ITokenStore
    {
        private readonly Dictionary<string, Caller> _byToken = new(StringComparer.Ordinal);

        public int Lookups { get; private set; }

        public Action? During { get; set; }

        public string Add(string id, string? token = null, DateTimeOffset? expiresAt = null)
        {
            token ??= Tokens.NewSecret();
            _byToken[token] = new Caller(id, id, TokenScope.Sidecar, "", "") { ExpiresAt = expiresAt };
            return token;
        }

        public void Expire(string token) => _byToken.Remove(token);

        public bool IsTransient(Exception exception) => false;

        public ValueTask<Caller?> AuthenticateAsync(string token, CancellationToken cancellation = default)
        {
            Lookups++;
            var found = _byToken.GetValueOrDefault(token);
            During?.Invoke();
            return ValueTask.FromResult(found);
        }

        public CreatedToken Create(string name, TokenScope scope, string? user, string? org, DateTimeOffset now, string createdBy,
            IReadOnlyList<string>? groups = null) => throw new NotSupportedException();

        public IReadOnlyList<TokenInfo> List() => throw new NotSupportedException();

        public ValueTask<TokenInfo?> RevokeAsync(string idOrName, DateTimeOffset now, string revokedBy, CancellationToken cancellation = default)
            => throw new NotSupportedException();

        public IReadOnlyList<string> Revoked(IReadOnlyCollection<string> ids) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
