using System.Net;
using Google.Protobuf;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>
/// No input stops the audit writer: a bad event is stored as a marked stand-in, a failing store is retried, a writer
/// that cannot go on stops the server, and a full queue holds the stream back without losing anything. Real server,
/// real SQLite file or PostgreSQL database; storage failures come from a trigger in that database.
/// </summary>
public abstract class WriterIsolationTests : BackendSuite
{
    private static readonly HttpClient Http = new() { Timeout = Bound.Hang };

    /// <summary>tool_response as Node's and Python's JSON encoders write a file name that is not UTF-8: a lone surrogate escape.</summary>
    private static HookEvent LoneSurrogate(string sessionId)
    {
        var hookEvent = Events.Bash("ls", sessionId, decisionWanted: false);
        hookEvent.ToolResponse = ByteString.CopyFromUtf8("{\"stdout\":\"report-\\udfff.txt\",\"token\":\"ghp_" + new string('a', 36) + "\"}");
        return hookEvent;
    }

    [SkippableFact]
    public async Task A_lone_surrogate_event_is_stored_redacted_and_the_stream_and_server_go_on()
    {
        var (server, stream) = await StartWithStreamAsync();
        await using var closing = stream;
        var session = Guid.NewGuid().ToString();
        var bad = LoneSurrogate(session);
        var before = Events.Bash("git status", session);
        var after = Events.Bash("rm -rf /", session);

        await stream.DecideAsync(before);
        await stream.SendAsync(bad);
        var decision = await stream.DecideAsync(after);
        await stream.ReadUntilStoredAsync(before.EventId, bad.EventId, after.EventId);

        Assert.Equal(Verdict.Deny, decision.Verdict);
        var stored = await server.ScalarAsync<string>($"SELECT {server.TextOf("tool_response")} FROM events WHERE event_id = @id", ("@id", bad.EventId));
        // The redactor reads the unpaired escape as text: the event is stored as sent, its secret masked, nothing marked.
        Assert.DoesNotContain("[UNSTORABLE:", stored);
        Assert.Contains("report-\\udfff.txt", stored);
        Assert.Contains("[REDACTED:", stored);
        Assert.DoesNotContain("ghp_aaaa", stored);
        Assert.Equal(3L, await server.ScalarAsync<long>("SELECT COUNT(*) FROM events WHERE session_id = @s", ("@s", session)));
        // The same stream still decides and stores; the server says it is healthy and marked nothing.
        var later = Events.Bash("git push origin main", session);
        Assert.Equal(Verdict.Ask, (await stream.DecideAsync(later)).Verdict);
        await stream.ReadUntilStoredAsync(later.EventId);
        var (status, health) = await GetAsync(server, "/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("ok\n", health);
        Assert.Contains("hookline_audit_marked_events_total 0", (await GetAsync(server, "/metrics")).Body.Split('\n'));
    }

    [SkippableFact]
    public async Task A_row_the_database_refuses_is_stored_marked_and_the_others_as_they_came()
    {
        var (server, stream) = await StartWithStreamAsync();
        await using var closing = stream;
        var session = Guid.NewGuid().ToString();
        var first = Events.Bash("ls", session, decisionWanted: false);
        // PostgreSQL refuses NUL in text; SQLite stores it.
        var nul = Events.Bash("ls", session, decisionWanted: false);
        nul.Prompt = "before\0after";
        var last = Events.Bash("ls", session, decisionWanted: false);

        await stream.SendAsync(first);
        await stream.SendAsync(nul);
        await stream.SendAsync(last);
        await stream.ReadUntilStoredAsync(first.EventId, nul.EventId, last.EventId);

        var prompt = await server.ScalarAsync<string>("SELECT prompt FROM events WHERE event_id = @id", ("@id", nul.EventId));
        Assert.Equal(server.Database is null ? "before\0after" : "[UNSTORABLE:PostgresException] before\uFFFDafter", prompt);
        Assert.Equal(2L, await server.ScalarAsync<long>(
            $"SELECT COUNT(*) FROM events WHERE session_id = @s AND event_id <> @id AND {server.TextOf("tool_input")} = @input",
            ("@s", session), ("@id", nul.EventId), ("@input", first.ToolInput.ToStringUtf8())));
    }

    [SkippableFact]
    public async Task A_failing_store_is_retried_and_the_batch_stored_once_it_recovers()
    {
        var (server, stream) = await StartWithStreamAsync();
        await using var closing = stream;
        await FailInsertsAsync(server);
        var hookEvent = Events.Bash("git status");

        await stream.DecideAsync(hookEvent);
        var metrics = await PollAsync(server, "/metrics", m => m.Contains("\nhookline_audit_writer_degraded 1\n"), "the writer reporting itself degraded");
        var (status, health) = await GetAsync(server, "/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith("degraded\naudit_writer retrying: ", health);
        Assert.DoesNotContain(hookEvent.EventId, stream.Stored);
        Assert.DoesNotContain("\nhookline_audit_writer_retries_total 0\n", metrics);

        await RecoverAsync(server);
        await stream.ReadUntilStoredAsync(hookEvent.EventId);

        Assert.Equal(hookEvent.ToolInput.ToStringUtf8(), await server.ScalarAsync<string>(
            $"SELECT {server.TextOf("tool_input")} FROM events WHERE event_id = @id", ("@id", hookEvent.EventId)));
        await PollAsync(server, "/healthz", h => h.StartsWith("ok\n", StringComparison.Ordinal), "healthz ok again after the store recovered");
        Assert.Contains("hookline_audit_marked_events_total 0", (await GetAsync(server, "/metrics")).Body.Split('\n'));
    }

    [SkippableFact]
    public async Task A_writer_that_cannot_go_on_makes_the_server_unhealthy_and_stops_it()
    {
        var (server, stream) = await StartWithStreamAsync(o => o.AuditWriterGiveUpAfter = TimeSpan.FromSeconds(1));
        await using var closing = stream;
        var stopped = new TaskCompletionSource();
        using var registration = server.Server.Stopping.Register(() => stopped.TrySetResult());
        await FailInsertsAsync(server);

        await stream.DecideAsync(Events.Bash("git status"));
        await PollAsync(server, "/healthz", h => h.StartsWith("degraded\n", StringComparison.Ordinal), "healthz not ok while storage fails");
        await Bound.Within(stopped.Task.ContinueWith(_ => true), "server stop after the writer gave up");

        Assert.Contains("storage has failed", server.Server.Failure);
        // Its streams end (the sidecars reconnect elsewhere, or to the restarted server, and resend).
        await Bound.Within(stream.ClosedAsync(), "the stream closing as the server stops");
    }

    [SkippableFact]
    public async Task A_full_audit_queue_holds_the_stream_back_and_loses_nothing()
    {
        const int maxBytes = 64 * 1024;
        var (server, stream) = await StartWithStreamAsync(o => o.AuditQueueMaxBytes = maxBytes);
        await using var closing = stream;
        await FailInsertsAsync(server);
        var session = Guid.NewGuid().ToString();
        var events = Enumerable.Range(0, 10)
            .Select(i => Events.Tool("Bash", new { command = "ls", pad = new string((char)('a' + i), 20 * 1024) }, session))
            .ToList();

        foreach (var hookEvent in events)
        {
            await stream.SendAsync(hookEvent);
        }
        var metrics = await PollAsync(server, "/metrics", m => m.Contains("\nhookline_audit_queue_waiting 1\n"), "the stream waiting for room in the audit queue");

        // The stream's read loop waits at the full queue: the events behind it are not even decided yet.
        Assert.True(Gauge(metrics, "hookline_audit_queue_bytes") <= maxBytes, metrics);
        Assert.True(Gauge(metrics, "hookline_decisions_total{effect=\"allow\",source=\"remote\"}") < events.Count, metrics);
        await RecoverAsync(server);
        await stream.ReadUntilStoredAsync(events.Select(e => e.EventId).ToArray());
        Assert.Equal(events.Count, await server.ScalarAsync<long>("SELECT COUNT(*) FROM events WHERE session_id = @s", ("@s", session)));
    }

    [SkippableFact]
    public async Task The_audit_queue_holds_and_charges_the_capture_copy_of_an_event_not_what_came()
    {
        const int maxBytes = 512 * 1024;
        var (server, stream) = await StartWithStreamAsync(o =>
        {
            o.AuditQueueMaxBytes = maxBytes;
            o.Capture = new Core.EventCapture(Core.CaptureMode.Redacted, MaxBytes: 4096);
        });
        await using var closing = stream;
        await FailInsertsAsync(server);
        var session = Guid.NewGuid().ToString();
        var events = Enumerable.Range(0, 8).Select(i =>
        {
            var hookEvent = Events.Tool("Bash", new { command = "ls" }, session);
            hookEvent.ToolResponse = ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(new { stdout = new string((char)('a' + i), 256 * 1024) }));
            return hookEvent;
        }).ToList();

        foreach (var hookEvent in events)
        {
            await stream.SendAsync(hookEvent);
        }

        // Eight copies cut to 4 KiB fit in the queue, where eight payloads of 256 KiB as they came would not: all are decided.
        var metrics = await PollAsync(server, "/metrics", m => m.Contains($"\nhookline_decisions_total{{effect=\"allow\",source=\"remote\"}} {events.Count}\n"),
            "every event decided and queued while the store fails");
        Assert.True(Gauge(metrics, "hookline_audit_queue_bytes") < 64 * 1024, metrics);
        await RecoverAsync(server);
        await stream.ReadUntilStoredAsync(events.Select(e => e.EventId).ToArray());
        Assert.Equal(events.Count, await server.ScalarAsync<long>(
            "SELECT COUNT(*) FROM events WHERE session_id = @s AND payload_truncated = 1", ("@s", session)));
    }

    /// <summary>A server and one stream on it, past its first snapshot.</summary>
    private async Task<(TestServer Server, StreamClient Stream)> StartWithStreamAsync(Action<HooklineServerOptions>? configure = null)
    {
        var server = await StartAsync(configure);
        var stream = await server.OpenStreamAsync();
        await stream.NextSnapshotAsync();
        return (server, stream);
    }

    private static long Gauge(string metrics, string name)
        => long.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..],
            System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every insert into events fails in the database itself, as on a full disk.</summary>
    [SkippableFact]
    public async Task A_failing_latency_update_never_blames_the_lone_record_of_its_batch()
    {
        var server = await StartAsync();
        var reporter = Guid.NewGuid().ToString();
        await using var reporting = await server.OpenStreamAsync(reporter);
        await reporting.NextSnapshotAsync();
        var answered = Events.Bash("git status", reporter);
        await reporting.DecideAsync(answered);
        await reporting.ReadUntilStoredAsync(answered.EventId);
        var other = Guid.NewGuid().ToString();
        await using var others = await server.OpenStreamAsync(other);
        await others.NextSnapshotAsync();
        // Latency updates fail (a deadlock, a timeout in the rows of another session); inserts fail for now too, so the
        // writer is held retrying while the latency and a lone record queue up for one batch.
        await ExecuteAsync(server,
            """
            CREATE FUNCTION hookline_test_latency() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END $$;
            CREATE TRIGGER hookline_test_latency BEFORE UPDATE OF reported_latency_us ON events FOR EACH ROW EXECUTE FUNCTION hookline_test_latency();
            """,
            "CREATE TRIGGER hookline_test_latency BEFORE UPDATE OF reported_latency_us ON events BEGIN SELECT RAISE(ABORT, 'deadlock'); END;");
        await FailInsertsAsync(server);
        var held = Events.Bash("ls", other, decisionWanted: false);
        await others.SendAsync(held);
        await PollAsync(server, "/metrics", m => m.Contains("\nhookline_audit_writer_degraded 1\n"), "the writer retrying");
        var lone = Events.Bash("cat README.md", other, decisionWanted: false);
        await others.SendAsync(lone);
        await others.RoundTripAsync();
        var report = new DecisionLatencies();
        report.Items.Add(new DecisionLatency { EventId = answered.EventId, LatencyUs = 1_500 });
        await reporting.SendAsync(new ProcessHookEventRequest { Latencies = report });
        await reporting.RoundTripAsync();

        await RecoverAsync(server);
        await others.ReadUntilStoredAsync(held.EventId, lone.EventId);

        // The lone record is stored as it came; the latency is what was dropped.
        Assert.Equal(lone.ToolInput.ToStringUtf8(), await server.ScalarAsync<string>(
            $"SELECT {server.TextOf("tool_input")} FROM events WHERE event_id = @id", ("@id", lone.EventId)));
        Assert.Contains("hookline_audit_marked_events_total 0", (await GetAsync(server, "/metrics")).Body.Split('\n'));
        Assert.Equal(-1L, await server.ScalarAsync<long>(
            "SELECT COALESCE(reported_latency_us, -1) FROM events WHERE event_id = @id", ("@id", answered.EventId)));
    }

    private static Task ExecuteAsync(TestServer server, string postgres, string sqlite)
        => server.Database is { } database ? database.ExecuteAsync(postgres) : ExecuteSqliteAsync(server, sqlite);

    /// <summary>Every insert into events fails until <see cref="RecoverAsync"/>: the writer is held retrying its batch.</summary>
    internal static Task FailInsertsAsync(TestServer server) => server.Database is { } database
        ? database.ExecuteAsync("""
            CREATE FUNCTION hookline_test_full() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$;
            CREATE TRIGGER hookline_test_full BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION hookline_test_full();
            """)
        : ExecuteSqliteAsync(server, "CREATE TRIGGER hookline_test_full BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");

    internal static Task RecoverAsync(TestServer server) => server.Database is { } database
        ? database.ExecuteAsync("DROP TRIGGER hookline_test_full ON events;")
        : ExecuteSqliteAsync(server, "DROP TRIGGER hookline_test_full;");

    private static async Task ExecuteSqliteAsync(TestServer server, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.Server.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=30000; " + sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(TestServer server, string path)
    {
        using var response = await Http.GetAsync(new Uri(new Uri(server.Server.HttpAddress!), path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Bounded polling of an HTTP endpoint until its body satisfies <paramref name="done"/>.</summary>
    internal static async Task<string> PollAsync(TestServer server, string path, Func<string, bool> done, string what)
    {
        var body = "";
        await Eventually.TrueAsync(async () => done(body = (await GetAsync(server, path)).Body), Bound.Hang, () => $"no {what}; last {path}:\n{body}");
        return body;
    }
}

public sealed class SqliteWriterIsolationTests : WriterIsolationTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresWriterIsolationTests : WriterIsolationTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
