using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Tests;

/// <summary>
/// What the write path puts in the tables, pinned to the last value and storage type of every column: a database
/// written before a change to the write path must read, verify and continue alike after it, on each backend.
/// </summary>
public abstract partial class StoreContractTests
{
    /// <summary>
    /// SHA-256 of <see cref="DumpAsync"/> after the fixed writes below: taken from the separate SQLite and PostgreSQL
    /// write paths before they became one (80ea93d), identical on both backends.
    /// </summary>
    private const string StoredFormat = "b4c72ee9cee39c9d549fbf7e000b82816948f73e3d344b80e551dcf8ecf839a8";

    [SkippableFact]
    public async Task Fixed_writes_store_the_same_bytes_and_types_in_every_column_as_before_and_the_chain_verifies()
    {
        var store = await OpenAsync();
        Assert.Equal(1UL, store.AcceptPolicy("h1", "doc1", "file", 1000));
        Assert.Equal(1UL, store.AcceptPolicy("h1", "doc1", "file", 1001));
        Assert.Equal(2UL, store.AcceptPolicy("h2", "doc2", "apply", 1002));
        var e1 = Fixed("e1", "s1", 1);
        store.WriteBatch([FixedRecord(e1), FixedRecord(Fixed("e2", "s1", 2))], 2000);
        store.WriteBatch([FixedRecord(Fixed("e3", "s2", 3))], 2100);
        var replay = e1.Clone();
        replay.DecisionWanted = false;
        replay.Applied = new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.Local, Reason = "sidecar", PolicyEpoch = 2, LatencyUs = 4000 };
        Assert.Empty(store.WriteBatch([FixedRecord(replay)], 2500).Rejected);
        var e4 = Fixed("e4", "s1", 4);
        Assert.Empty(store.WriteBatch([FixedRecord(e4)], 3000).Rejected);
        // The first cut leaves s1 a checkpoint and a tail; the second takes all of s2, which then continues from its checkpoint.
        Assert.Equal(2, store.Prune(2050, 4000, 10));
        Assert.Equal(1, store.Prune(2200, 4100, 10));
        var lateReplay = e4.Clone();
        lateReplay.DecisionWanted = false;
        lateReplay.Applied = new AppliedDecision { Verdict = Verdict.Ask, Source = DecisionSource.FailClosed, Reason = "budget", PolicyEpoch = 2, LatencyUs = 8000 };
        store.WriteBatch([FixedRecord(Fixed("e5", "s1", 5)), FixedRecord(lateReplay), FixedRecord(Fixed("e6", "s2", 6))], 5000,
            [new SessionStateWrite("s1", Memory(["secrets"], denials: 1, "r", 10)), new SessionStateWrite("s2", Memory([], denials: 0, "r", 20))]);
        // Merged with what is stored: the second write adds to the first.
        store.WriteBatch([], 5100, [new SessionStateWrite("s1", Memory(["prod"], denials: 0, "r", 30))]);

        var report = await VerifyAsync(store);
        var dump = await DumpAsync();

        Assert.True(report.Intact, string.Join("; ", report.Broken));
        Assert.Equal((2L, 3L), (report.Sessions, report.Events));
        var format = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dump)));
        Assert.True(format == StoredFormat, $"stored format {format}:\n{dump}");
    }

    /// <summary>An event with nothing random or timed in it.</summary>
    private static HookEvent Fixed(string id, string session, int n)
    {
        var hookEvent = Events.Bash($"echo {n}", session, correlationId: (ulong)n);
        hookEvent.EventId = id;
        hookEvent.ToolUseId = "toolu_" + n;
        hookEvent.Time = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(1_000 + n));
        return hookEvent;
    }

    private static AuditRecord FixedRecord(HookEvent hookEvent) => new(hookEvent,
        hookEvent.DecisionWanted ? new Decision { Verdict = Verdict.Allow, Evaluated = Verdict.Allow, PolicyEpoch = 1, RuleIds = { "r1" } } : null,
        1_500 + (long)hookEvent.CorrelationId, Ack: null);

    /// <summary>Every written column of the written tables, each value with the type the database hands back.</summary>
    private async Task<string> DumpAsync()
    {
        var events = string.Join(", ", [.. EventColumns.Names, .. AuditChain.Columns]);
        string[] queries =
        [
            $"SELECT {events} FROM events ORDER BY session_id, session_seq",
            "SELECT session_id, session_seq, hash, cut_at_ms FROM chain_checkpoints ORDER BY session_id",
            "SELECT epoch, hash, document, source, applied_by, applied_at_ms FROM policy_epochs ORDER BY epoch",
            // updated_at_ms is the store's clock, not the caller's: left out.
            "SELECT session_id, state FROM session_states ORDER BY session_id",
        ];
        await using var connection = await OpenRawAsync();
        var dump = new StringBuilder();
        foreach (var sql in queries)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    dump.Append(reader.GetName(i)).Append('=').Append(reader.GetValue(i) switch
                    {
                        DBNull => "null",
                        byte[] bytes => "blob:" + Convert.ToHexStringLower(bytes),
                        long or int => "int:" + Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture),
                        string text => "text:" + text,
                        var other => other.GetType().Name + ":" + other,
                    }).Append(' ');
                }
                dump.Append('\n');
            }
        }
        return dump.ToString();
    }

    private async Task<DbConnection> OpenRawAsync()
    {
        DbConnection connection = _database is not null
            ? new Npgsql.NpgsqlConnection(_database.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir!.File("data/hookline.db")};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }
}
