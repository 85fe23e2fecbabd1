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
    public async Task A_tokens_groups_are_stored_listed_and_come_back_on_authentication()
    {
        var store = await OpenAsync();
        var sre = store.Create("sre-bob", TokenScope.Approve, "bob", "acme", Now, "root", ["sre", "on call", "sre"]);
        var plain = store.Create("plain", TokenScope.Read, null, null, Now, "root");

        var caller = await store.AuthenticateAsync(sre.Token);
        var plainCaller = await store.AuthenticateAsync(plain.Token);
        var listed = store.List();

        Assert.Equal(["sre", "on call"], sre.Info.Groups);
        Assert.Equal((TokenScope.Approve, "bob"), (caller?.Scope, caller?.User));
        Assert.Equal(["sre", "on call"], caller!.Groups);
        Assert.Empty(plainCaller!.Groups);
        Assert.Equal(["sre", "on call"], listed.Single(t => t.Name == "sre-bob").Groups);
        Assert.Equal("approve", listed.Single(t => t.Name == "sre-bob").Scope);
        Assert.Null(listed.Single(t => t.Name == "plain").Groups);
    }

    public static TheoryData<string[]> BadGroups => new()
    {
        new[] { "sre,admins" }, new[] { "line\nbreak" }, new[] { "esc\u001b[31m" }, new[] { "" },
        new[] { " sre" }, new[] { new string('g', TokenRules.MaxGroupLength + 1) },
        Enumerable.Range(0, TokenRules.MaxGroups + 1).Select(i => "g" + i).ToArray(),
    };

    [SkippableTheory]
    [MemberData(nameof(BadGroups))]
    public async Task A_group_name_that_would_break_the_list_or_a_terminal_or_too_many_groups_is_refused(string[] groups)
    {
        var store = await OpenAsync();

        var refused = Assert.Throws<ArgumentException>(() => store.Create("bad", TokenScope.Approve, "bob", null, Now, "root", groups));

        Assert.StartsWith("--group: ", refused.Message, StringComparison.Ordinal);
        Assert.Empty(store.List());
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

    [Fact]
    public async Task A_file_from_before_groups_gains_the_column_and_its_tokens_still_authenticate_without_groups()
    {
        using var dir = new TempDir();
        var data = dir.File("data");
        Directory.CreateDirectory(data);
        const string secret = "hl_from-before-groups";
        await using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={AuditTrail.DatabasePath(data)};Pooling=False"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, user_name TEXT NOT NULL DEFAULT '',
                    org TEXT NOT NULL DEFAULT '', hash BLOB NOT NULL UNIQUE, created_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER,
                    created_by TEXT NOT NULL DEFAULT '', revoked_by TEXT);
                INSERT INTO tokens (id, name, scope, user_name, org, hash, created_at_ms) VALUES ('tok_old', 'old', 'read', 'ana', '', @hash, 1);
                """;
            create.Parameters.AddWithValue("@hash", Tokens.Hash(secret));
            await create.ExecuteNonQueryAsync();
        }

        using var store = SqliteTokenStore.ForDataDirectory(data);
        var caller = await store.AuthenticateAsync(secret);
        var created = store.Create("new", TokenScope.Approve, "bob", null, DateTimeOffset.UtcNow, "root", ["sre"]);

        Assert.Equal(("tok_old", "ana"), (caller?.TokenId, caller?.User));
        Assert.Empty(caller!.Groups);
        Assert.Equal(["sre"], (await store.AuthenticateAsync(created.Token))!.Groups);
        Assert.Null(store.List().Single(t => t.Id == "tok_old").Groups);
    }
}

public sealed class PostgresTokenStoreContractTests : TokenStoreContractTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
