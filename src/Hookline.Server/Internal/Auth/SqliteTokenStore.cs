using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Auth;

/// <summary>Tokens in the server's SQLite file, table <c>tokens</c> (created here if missing, so older files gain it).</summary>
internal sealed class SqliteTokenStore : ITokenStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public SqliteTokenStore(string databasePath)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        }.ToString());
        _connection.Open();
        Execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;
            CREATE TABLE IF NOT EXISTS tokens (
                id            TEXT PRIMARY KEY,
                name          TEXT NOT NULL,
                scope         TEXT NOT NULL,
                user_name     TEXT NOT NULL DEFAULT '',
                org           TEXT NOT NULL DEFAULT '',
                hash          BLOB NOT NULL UNIQUE,
                created_at_ms INTEGER NOT NULL,
                revoked_at_ms INTEGER
            );
            CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens(name) WHERE revoked_at_ms IS NULL;
            """);
        AddAttributionColumns();
    }

    /// <summary>Files made before attribution gain who created and who revoked each token.</summary>
    private void AddAttributionColumns()
    {
        using var columns = _connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('tokens') WHERE name = 'created_by';";
        if ((long)columns.ExecuteScalar()! == 0)
        {
            Execute("""
                ALTER TABLE tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
                ALTER TABLE tokens ADD COLUMN revoked_by TEXT;
                """);
        }
    }

    /// <summary>The token store of a server's data directory (<c>hookline.db</c>), created when missing.</summary>
    public static SqliteTokenStore ForDataDirectory(string dataDirectory)
    {
        var path = AuditTrail.DatabasePath(dataDirectory);
        Core.PrivateFiles.CreateDirectory(dataDirectory);
        Core.PrivateFiles.CreateFile(path);
        return new SqliteTokenStore(path);
    }

    public CreatedToken Create(string name, TokenScope scope, string? user, string? org, DateTimeOffset now, string createdBy)
    {
        TokenRules.Validate(name, user, org);
        var secret = Tokens.NewSecret();
        var id = TokenRules.NewId();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO tokens (id, name, scope, user_name, org, hash, created_at_ms, created_by)
                VALUES ($id, $name, $scope, $user, $org, $hash, $now, $by);
                """;
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$scope", Tokens.Name(scope));
            command.Parameters.AddWithValue("$user", user ?? "");
            command.Parameters.AddWithValue("$org", org ?? "");
            command.Parameters.AddWithValue("$hash", Tokens.Hash(secret));
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$by", createdBy);
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                throw TokenRules.NameTaken(name);
            }
        }
        return TokenRules.Created(id, name, scope, user, org, now, createdBy, secret);
    }

    public IReadOnlyList<TokenInfo> List()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {TokenRules.InfoColumns} FROM tokens ORDER BY created_at_ms, id;";
            using var reader = command.ExecuteReader();
            var tokens = new List<TokenInfo>();
            while (reader.Read())
            {
                tokens.Add(TokenRules.ReadInfo(reader));
            }
            return tokens;
        }
    }

    // Synchronous behind the awaitable signatures: one short statement on this store's own connection, which in WAL
    // mode a read never waits on the audit writer for.
    public ValueTask<TokenInfo?> RevokeAsync(string idOrName, DateTimeOffset now, string revokedBy, CancellationToken cancellation = default)
        => ValueTask.FromResult(Revoke(idOrName, now, revokedBy));

    public ValueTask<Caller?> AuthenticateAsync(string token, CancellationToken cancellation = default)
        => ValueTask.FromResult(Authenticate(token));

    private TokenInfo? Revoke(string idOrName, DateTimeOffset now, string revokedBy)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"""
                UPDATE tokens SET revoked_at_ms = $now, revoked_by = $by WHERE revoked_at_ms IS NULL AND (id = $key OR name = $key)
                RETURNING {TokenRules.InfoColumns};
                """;
            command.Parameters.AddWithValue("$by", revokedBy);
            command.Parameters.AddWithValue("$key", idOrName);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            using var reader = command.ExecuteReader();
            return reader.Read() ? TokenRules.ReadInfo(reader) : null;
        }
    }

    private Caller? Authenticate(string token)
    {
        var hash = Tokens.Hash(token);
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, name, scope, user_name, org, hash FROM tokens WHERE hash = $hash AND revoked_at_ms IS NULL;";
            command.Parameters.AddWithValue("$hash", hash);
            using var reader = command.ExecuteReader();
            return TokenRules.ReadCaller(reader, hash);
        }
    }

    public IReadOnlyList<string> Revoked(IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        var wanted = new HashSet<string>(ids, StringComparer.Ordinal);
        var revoked = new List<string>();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            // The table is small (one row per token ever made): reading the revoked ids beats building an IN list.
            command.CommandText = "SELECT id FROM tokens WHERE revoked_at_ms IS NOT NULL;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                if (wanted.Contains(id))
                {
                    revoked.Add(id);
                }
            }
        }
        return revoked;
    }

    public bool IsTransient(Exception exception) => exception is SqliteException or IOException;

    public void Dispose() => _connection.Dispose();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
