using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal.Storage.Postgres;
using Npgsql;

namespace Hookline.Benchmarks;

/// <summary>
/// One audit batch as the writer sees it under fleet load on PostgreSQL: 512 decided PreToolUse events over 500
/// sessions (each call its own tool_use_id, so coverage inserts a row per event), in a scratch database on the server
/// HOOKLINE_TEST_POSTGRES names (skipped without it). Besides BenchmarkDotNet's time and allocations, the cleanup prints
/// the CPU per batch of this process and of the database's PostgreSQL backends (from /proc), the two halves of the
/// cost. Run it at two commits to compare a change to the write path. HOOKLINE_BENCH_DATABASE names an existing
/// (empty) database to use instead and keep, e.g. one with auto_explain set up to log every statement's plan.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PostgresBatchBenchmarks : IDisposable
{
    private const int BatchSize = 512;
    private const int Sessions = 500;
    private const string PostgresVariable = "HOOKLINE_TEST_POSTGRES";

    private readonly List<string> _sessions = [];
    private PostgresStore? _store;
    private string? _database;
    private string? _kept;
    private long _time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private long _batches;
    private TimeSpan _processCpu;
    private long _backendTicks;

    public static IEnumerable<string> Backends() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresVariable)) ? [] : ["postgres"];

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "postgres";

    /// <inheritdoc cref="AuditBatchBenchmarks.IdVersions"/>
    public static IEnumerable<int> IdVersions() => AuditBatchBenchmarks.IdVersions();

    [ParamsSource(nameof(IdVersions))]
    public int IdVersion { get; set; } = 7;

    /// <inheritdoc cref="AuditBatchBenchmarks.Dropped"/>
    public static IEnumerable<string> Dropped() => AuditBatchBenchmarks.Dropped();

    [ParamsSource(nameof(Dropped))]
    public string Without { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var admin = Environment.GetEnvironmentVariable(PostgresVariable)!;
        _kept = Environment.GetEnvironmentVariable("HOOKLINE_BENCH_DATABASE");
        _database = _kept ?? "hookline_bench_" + Guid.NewGuid().ToString("N")[..12];
        if (_kept is null)
        {
            Admin(admin, $"CREATE DATABASE {_database};");
        }
        _store = new PostgresStore(new NpgsqlConnectionStringBuilder(admin) { Database = _database }.ConnectionString);
        if (Without.Length > 0)
        {
            using var connection = _store.Open();
            using var drop = new NpgsqlCommand($"DROP INDEX {Without};", connection);
            drop.ExecuteNonQuery();
        }
        for (var i = 0; i < Sessions; i++)
        {
            var id = Guid.NewGuid().ToString();
            _store.CreateOrResumeSessionAsync(new CreateSessionRequest { Agent = "claude" }, id, 1,
                new SessionIdentity("user" + (i % 50), "org" + (i % 2), true, null)).AsTask().GetAwaiter().GetResult();
            _sessions.Add(id);
        }
        // A table that already holds some batches, as a running server's does.
        for (var i = 0; i < 20; i++)
        {
            Decided();
        }
        _batches = 0;
        _processCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _backendTicks = BackendTicks(_database);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var process = Process.GetCurrentProcess().TotalProcessorTime - _processCpu;
        var backends = BackendTicks(_database!) - _backendTicks;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// PostgresBatch: {_batches} batches of {BatchSize}: this process {process.TotalMicroseconds / _batches / BatchSize:F1} µs CPU per event, PostgreSQL backends {backends * 10_000.0 / _batches / BatchSize:F1} µs per event"));
        Dispose();
        NpgsqlConnection.ClearAllPools();
        if (_kept is not null)
        {
            return;
        }
        Admin(Environment.GetEnvironmentVariable(PostgresVariable)!, $"DROP DATABASE {_database} WITH (FORCE);");
    }

    [Benchmark]
    public int Decided()
    {
        _batches++;
        return _store!.WriteBatch(Batch(), _time).Duplicates;
    }

    private List<AuditRecord> Batch()
    {
        _time += 1_000;
        var batch = new List<AuditRecord>(BatchSize);
        var offset = Random.Shared.Next(Sessions);
        for (var i = 0; i < BatchSize; i++)
        {
            var session = _sessions[(offset + i) % _sessions.Count];
            var hookEvent = new HookEvent
            {
                EventId = (IdVersion == 7 ? Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(_time)) : Guid.NewGuid()).ToString(),
                SessionId = session,
                Agent = "claude",
                AgentSessionId = "3982e839-f0d1-4fef-886f-7146ed1dad82",
                HookEventName = "PreToolUse",
                NativeEvent = "PreToolUse",
                ToolName = i % 3 == 0 ? "Bash" : "Read",
                NativeToolName = i % 3 == 0 ? "Bash" : "Read",
                ToolUseId = "toolu_" + Guid.NewGuid().ToString("N"),
                ToolInput = ByteString.CopyFromUtf8("""{"command":"dotnet build -c Release && dotnet test --no-build"}"""),
                Cwd = "/home/dev/proj",
                PermissionMode = "default",
                Time = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(_time)),
                User = "user" + (i % 50),
                Org = "org" + (i % 2),
                DecisionWanted = true,
            };
            var verdict = (i % 10) switch { 0 => Verdict.Deny, 1 => Verdict.Ask, _ => Verdict.Allow };
            batch.Add(new AuditRecord(hookEvent,
                new Decision { Verdict = verdict, Evaluated = verdict, PolicyEpoch = 1, Reason = "rule", RuleIds = { "r" + (i % 5) } }, _time, null));
        }
        return batch;
    }

    public void Dispose()
    {
        _store?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>CPU clock ticks (1/100 s) of the live backends of <paramref name="database"/>.</summary>
    private static long BackendTicks(string database)
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var title = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (title.StartsWith("postgres:", StringComparison.Ordinal) && title.Contains(database, StringComparison.Ordinal))
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
            }
        }
        return ticks;
    }

    private static void Admin(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
