using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal.Storage.Postgres;
using Hookline.Server.Internal.Storage.Sqlite;
using Npgsql;

namespace Hookline.Benchmarks;

/// <summary>
/// What one audit batch costs the writer: 64 decided events of 8 sessions (3 rule ids each, spread over 5 minutes),
/// and the same with the 64 latencies their sidecars report; and the batch of a fleet under load (<see cref="FleetBatch"/>).
/// Run it at two commits to see what a change to the write path adds (the overview's rollups, say). SQLite in a
/// temporary directory; PostgreSQL too when HOOKLINE_TEST_POSTGRES names an admin connection (a scratch database is
/// created and dropped).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AuditBatchBenchmarks : IDisposable
{
    private const int BatchSize = 64;

    // The load tool's throughput run: 1,000 sessions, and the writer's queue hands it 512 events at a time, one or two
    // of each of about 500 sessions, into a database that holds 100,000 events already.
    private const int FleetSessions = 1_000;
    private const int FleetBatchSize = 512;
    private const int FleetBatchSessions = 500;
    private const int FleetStoredEvents = 100_000;
    private const string PostgresVariable = "HOOKLINE_TEST_POSTGRES";

    private readonly List<string> _sessions = [];
    private IAuditStore _store = null!;
    private string? _directory;
    private string? _database;
    private List<ReportedLatency> _latencies = [];
    private long _time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private int _fleetOffset;
    private long _fleetBatches;
    private TimeSpan _fleetCpu;
    private long _fleetPages;

    public static IEnumerable<string> Backends() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresVariable)) ? ["sqlite"] : ["sqlite", "postgres"];

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "sqlite";

    /// <summary>The UUID version of the event ids: 7 as sidecars make them; HOOKLINE_BENCH_IDS="4,7" compares with random ids.</summary>
    public static IEnumerable<int> IdVersions() => Listed("HOOKLINE_BENCH_IDS", "7").Select(int.Parse);

    [ParamsSource(nameof(IdVersions))]
    public int IdVersion { get; set; } = 7;

    /// <summary>
    /// An index dropped before the run ("" for none), to see what each costs the write: HOOKLINE_BENCH_WITHOUT="events_time,..."
    /// adds a run without each one named, beside the run with all of them.
    /// </summary>
    public static IEnumerable<string> Dropped() => ["", .. Listed("HOOKLINE_BENCH_WITHOUT", "")];

    [ParamsSource(nameof(Dropped))]
    public string Without { get; set; } = "";

    internal static IEnumerable<string> Listed(string variable, string fallback) =>
        (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } listed ? listed : fallback)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GlobalSetup(Targets = [nameof(Decided), nameof(DecidedWithReportedLatencies)])]
    public void Setup() => Open(8);

    [GlobalSetup(Target = nameof(FleetBatch))]
    public void SetupFleet()
    {
        Open(FleetSessions);
        for (var stored = 0; stored < FleetStoredEvents; stored += FleetBatchSize)
        {
            FleetBatch();
        }
        _fleetBatches = 0;
        _fleetCpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        _fleetPages = PagesWritten();
    }

    private void Open(int sessions)
    {
        if (Backend == "postgres")
        {
            var admin = Environment.GetEnvironmentVariable(PostgresVariable)!;
            _database = "hookline_bench_" + Guid.NewGuid().ToString("N")[..12];
            Admin(admin, $"CREATE DATABASE {_database};");
            _store = new PostgresStore(new NpgsqlConnectionStringBuilder(admin) { Database = _database }.ConnectionString);
        }
        else
        {
            _directory = Directory.CreateTempSubdirectory("hl-bench-").FullName;
            _store = new SqliteStore(_directory);
        }
        // As the server runs: the read API's indexes too (SQLite gets them at start, PostgreSQL in its schema).
        Hookline.Server.Internal.Ui.Dashboard.Prepare(_store);
        if (Without.Length > 0)
        {
            using var connection = ((AuditStore)_store).Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = $"DROP INDEX {Without};";
            drop.ExecuteNonQuery();
        }
        for (var i = 0; i < sessions; i++)
        {
            var id = Guid.NewGuid().ToString();
            _store.CreateOrResumeSessionAsync(new CreateSessionRequest { Agent = "claude" }, id, 1,
                new SessionIdentity("user" + (i % Math.Max(4, sessions / 8)), "org" + (i % 2), true, null)).AsTask().GetAwaiter().GetResult();
            _sessions.Add(id);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_fleetBatches > 0)
        {
            // CPU, unlike the time per batch, hardly moves with the machine's other jobs: the storage thread's own cost.
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _fleetCpu;
            Console.WriteLine(System.FormattableString.Invariant(
                $"// FleetBatch {Backend} v{IdVersion} without '{Without}': {_fleetBatches} batches, {cpu.TotalMicroseconds / _fleetBatches / FleetBatchSize:F1} µs CPU of this process per event, {(double)(PagesWritten() - _fleetPages) / _fleetBatches / FleetBatchSize:F2} pages written per event"));
        }
        Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            Admin(Environment.GetEnvironmentVariable(PostgresVariable)!, $"DROP DATABASE {_database} WITH (FORCE);");
        }
    }

    [Benchmark(Baseline = true)]
    public int Decided() => _store.WriteBatch(Batch(), _time).Duplicates;

    [Benchmark]
    public int DecidedWithReportedLatencies()
    {
        var latencies = _latencies;
        var batch = Batch();
        return _store.WriteBatch(batch, _time, null, latencies).Duplicates;
    }

    /// <summary>512 decided PreToolUse events of the fleet's next 500 sessions, a call id of their own each, as agents send them.</summary>
    [Benchmark]
    public int FleetBatch()
    {
        // 512 events come in within about a tenth of a second at the load's rate.
        _fleetBatches++;
        var batch = Batch(FleetBatchSize, FleetBatchSessions, _fleetOffset, advanceMs: 120, spacingMs: 0.25, callIds: true);
        _fleetOffset = (_fleetOffset + FleetBatchSessions) % _sessions.Count;
        return _store.WriteBatch(batch, _time).Duplicates;
    }

    private List<AuditRecord> Batch() => Batch(BatchSize, _sessions.Count, 0, 5 * 60_000 / BatchSize, 4_000, callIds: false);

    private List<AuditRecord> Batch(int size, int sessions, int firstSession, long advanceMs, double spacingMs, bool callIds)
    {
        _time += advanceMs;
        var batch = new List<AuditRecord>(size);
        for (var i = 0; i < size; i++)
        {
            var hookEvent = new HookEvent
            {
                EventId = (IdVersion == 7 ? Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(_time)) : Guid.NewGuid()).ToString(),
                SessionId = _sessions[(firstSession + (i % sessions)) % _sessions.Count],
                Agent = "claude",
                HookEventName = "PreToolUse",
                ToolName = i % 3 == 0 ? "Bash" : "Read",
                ToolInput = ByteString.CopyFromUtf8("""{"command":"npm test"}"""),
                Time = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(_time + (long)(i * spacingMs))),
                Org = "org" + (i % 2),
                DecisionWanted = true,
            };
            if (callIds)
            {
                // The id's random end: a version-7 id starts with its time, which the batch's events share.
                hookEvent.ToolUseId = "toolu_" + hookEvent.EventId[^12..];
            }
            var verdict = (i % 10) switch { 0 => Verdict.Deny, 1 => Verdict.Ask, _ => Verdict.Allow };
            batch.Add(new AuditRecord(hookEvent,
                new Decision { Verdict = verdict, Evaluated = verdict, PolicyEpoch = 1, RuleIds = { "r" + (i % 5), "r" + (i % 7), "shared" } }, _time, null));
        }
        // The next batch reports how long these hooks waited, as sidecars do once they answered.
        _latencies = batch.ConvertAll(r => new ReportedLatency(r.Event.SessionId, r.Event.EventId, 800 + (r.Event.EventId[0] * 37)));
        return batch;
    }

    /// <summary>The pages the SQLite writer connection has written to the WAL so far (SQLITE_DBSTATUS_CACHE_WRITE): the same however busy the machine; 0 on PostgreSQL.</summary>
    private long PagesWritten()
    {
        if (_store is not SqliteStore)
        {
            return 0;
        }
        var writer = (Microsoft.Data.Sqlite.SqliteConnection)typeof(SqliteStore)
            .GetField("_writer", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(_store)!;
        SQLitePCL.raw.sqlite3_db_status(writer.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, out var pages, out _, 0);
        return pages;
    }

    public void Dispose()
    {
        _store.Dispose();
        GC.SuppressFinalize(this);
    }

    private static void Admin(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
