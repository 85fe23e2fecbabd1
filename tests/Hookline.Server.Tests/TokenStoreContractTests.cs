using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage.Postgres;

namespace Hookline.Server.Tests;

/// <summary>The token store every backend keeps, checked on the store itself: the same tests on SQLite and PostgreSQL.</summary>
public abstract class TokenStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);

    private TempDir? _dir;
    private TestDatabase? _database;
    private ITokenStore? _store;

    /// <summary>Null: SQLite. Otherwise a fresh PostgreSQL database (or a skip when none is configured).</summary>
    internal abstract Task<TestDatabase?> CreateDatabaseAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Opened in the test, not in InitializeAsync, so that a missing PostgreSQL skips rather than fails.</summary>
    private async Task<ITokenStore> OpenAsync()
    {
        _database = await CreateDatabaseAsync();
        _dir = _database is null ? new TempDir() : null;
        return _store = _database is null
            ? SqliteTokenStore.ForDataDirectory(_dir!.File("data"))
            : new PostgresTokenStore(new PostgresStore(_database.ConnectionString), ownsStore: true);
    }

    public async Task DisposeAsync()
    {
        _store?.Dispose();
        _dir?.Dispose();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task A_created_token_authenticates_lists_and_its_name_is_taken_until_revoked()
    {
        var store = await OpenAsync();
        var created = store.Create("ci", TokenScope.Sidecar, "ci-bot", "acme", Now, "root");

        var caller = await store.AuthenticateAsync(created.Token);
        var duplicate = Assert.Throws<ArgumentException>(() => store.Create("ci", TokenScope.Read, null, null, Now, "root"));
        var revoked = await store.RevokeAsync("ci", Now.AddMinutes(1), "admin");
        var again = store.Create("ci", TokenScope.Read, null, null, Now.AddMinutes(2), "root");

        Assert.Equal((created.Info.Id, "ci", TokenScope.Sidecar, "ci-bot", "acme"),
            (caller?.TokenId, caller?.TokenName, caller?.Scope, caller?.User, caller?.Org));
        Assert.Null(await store.AuthenticateAsync(created.Token + "x"));
        Assert.Contains("exists already", duplicate.Message);
        Assert.Equal(created.Info with { RevokedAt = Now.AddMinutes(1), RevokedBy = "admin" }, revoked);
        Assert.Null(await store.AuthenticateAsync(created.Token));
        Assert.Null(await store.RevokeAsync(created.Info.Id, Now, "admin"));
        Assert.Equal([created.Info.Id, again.Info.Id], store.List().Select(t => t.Id));
    }

    [SkippableFact]
    public async Task Revoked_answers_only_for_the_ids_asked_that_are_revoked()
    {
        var store = await OpenAsync();
        var kept = store.Create("kept", TokenScope.Read, null, null, Now, "root");
        var gone = store.Create("gone", TokenScope.Read, null, null, Now, "root");
        var otherGone = store.Create("other", TokenScope.Read, null, null, Now, "root");
        await store.RevokeAsync(gone.Info.Id, Now, "root");
        await store.RevokeAsync("other", Now, "root");

        Assert.Equal([gone.Info.Id], store.Revoked([kept.Info.Id, gone.Info.Id, "tok_unknown"]));
        Assert.Empty(store.Revoked([]));
        Assert.Equal(2, store.Revoked([gone.Info.Id, otherGone.Info.Id]).Count);
    }
}

public sealed class SqliteTokenStoreContractTests : TokenStoreContractTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresTokenStoreContractTests : TokenStoreContractTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
