using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Server;
using Hookline.Sidecar.Internal.Spool;
using Hookline.Sidecar.Internal;
using Microsoft.Data.Sqlite;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// No event stops the sidecar's spool writer: one its redactor cannot read is spooled as a marked stand-in, a failing
/// spool file is retried while flushes fail at once, and a writer that cannot go on says so. Real SQLite spool files.
/// </summary>
public sealed class SpoolWriterTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A PostToolUse as Node's and Python's JSON encoders write a file name that is not UTF-8: a lone surrogate escape.</summary>
    private const string LoneSurrogateOutput = """
        {"session_id":"w","cwd":"/tmp","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"ls"},
         "tool_response":{"stdout":"report-\udfff.txt"}}
        """;

    [Fact]
    public async Task A_lone_surrogate_event_is_spooled_as_sent_and_every_event_reaches_the_server()
    {
        var session = Guid.NewGuid().ToString();
        var options = SpoolTestStack.Options(_dir, "http://127.0.0.1:1", session);
        await using (var sidecar = await HooklineSidecar.StartAsync(options))
        {
            await HookClient.SendAsync(sidecar.SocketPath, "claude", "post-tool-use", LoneSurrogateOutput);
            var after = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));
            await HookClient.SendAsync(sidecar.SocketPath, "claude", "post-tool-use", HookClient.Bash("git status").Replace("PreToolUse", "PostToolUse"));
            var status = await HooklineSidecar.QueryStatusAsync(sidecar.SocketPath, json: false);

            Assert.Equal(0, after.ExitCode);
            Assert.Contains("# spool writer ok", status);
            Assert.Contains("hookline_spool_marked_events_total 0", status.Split('\n'));
        }

        // Every event is in the spool file; the redactor reads the unpaired escape as text, so nothing needed marking.
        await using (var reopened = new SpoolStore(Path.Combine(options.StateDirectory, "spool", session + ".db")))
        {
            var rows = reopened.Load();
            Assert.Equal(3, rows.Count);
            Assert.DoesNotContain(rows, r => Core.UnstorableEvent.IsMarked(r.Event.ToolResponse.Span) || Core.UnstorableEvent.IsMarked(r.Event.RawInput.Span));
            Assert.Single(rows, r => (r.Event.ToolResponse.ToStringUtf8() + r.Event.RawInput.ToStringUtf8()).Contains("report-\\udfff.txt", StringComparison.Ordinal));
        }

        // And the next sidecar of the session delivers all three to a server, which stores them and stays up.
        await using var server = await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            DataDirectory = _dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        await using var next = await HooklineSidecar.StartAsync(SpoolTestStack.Options(_dir, server.GrpcAddress, session));
        Assert.True(await next.FlushAsync(Bound.Hang));
        Assert.Equal(3L, await SpoolTestStack.ScalarAsync<long>(server, "SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task A_failing_spool_file_fails_flushes_at_once_is_retried_and_recovers()
    {
        var path = _dir.File("spool.db");
        await using var store = new SpoolStore(path);
        await ExecuteAsync(path, "CREATE TRIGGER full BEFORE INSERT ON spool BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");
        var hookEvent = Event();

        store.Save(new SpoolRow(hookEvent, null, false, false));
        var failed = await Assert.ThrowsAsync<IOException>(() => store.FlushAsync().WaitAsync(Bound.Hang));

        Assert.Contains("disk is full", failed.Message);
        Assert.NotNull(store.Retrying);
        await ExecuteAsync(path, "DROP TRIGGER full;");
        await store.FlushAsync().WaitAsync(Bound.Hang);
        Assert.Null(store.Retrying);
        Assert.True(store.Retries > 0);
        Assert.Equal(hookEvent.EventId, Assert.Single(store.Load()).Event.EventId);
    }

    [Fact]
    public async Task A_spool_writer_that_cannot_go_on_says_so_and_flushes_fail()
    {
        var path = _dir.File("spool.db");
        await using var store = new SpoolStore(path, giveUpAfter: TimeSpan.FromMilliseconds(200));
        await ExecuteAsync(path, "CREATE TRIGGER full BEFORE INSERT ON spool BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");

        store.Save(new SpoolRow(Event(), null, false, false));
        await store.Stopped.WaitAsync(Bound.Hang);

        Assert.Contains("has failed for", store.Failure);
        await Assert.ThrowsAsync<IOException>(() => store.FlushAsync().WaitAsync(Bound.Hang));
    }

    [Fact]
    public async Task A_sidecar_whose_spool_writer_cannot_go_on_reports_it_and_completes_stopped()
    {
        var session = Guid.NewGuid().ToString();
        var options = SpoolTestStack.Options(_dir, "http://127.0.0.1:1", session);
        options.SpoolGiveUpAfter = TimeSpan.FromMilliseconds(200);
        await using var sidecar = await HooklineSidecar.StartAsync(options);
        await ExecuteAsync(Path.Combine(options.StateDirectory, "spool", session + ".db"),
            "CREATE TRIGGER full BEFORE INSERT ON spool BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");

        var answered = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));
        await sidecar.Stopped.WaitAsync(Bound.Hang);

        // The hook was answered all the same (fail mode closed: the server is away); the process running the sidecar
        // learns from Stopped that it must exit, and status says why.
        Assert.Equal("deny", answered.PermissionDecision);
        Assert.Contains("has failed for", sidecar.Failure);
        var status = await HooklineSidecar.QueryStatusAsync(sidecar.SocketPath, json: false);
        Assert.Contains("# spool writer failed: ", status);
        Assert.Contains("hookline_spool_writer_failed 1", status.Split('\n'));
    }

    private static HookEvent Event() => new()
    {
        EventId = Guid.NewGuid().ToString(),
        SessionId = Guid.NewGuid().ToString(),
        Agent = "claude",
        HookEventName = "PostToolUse",
        ToolName = "Bash",
        ToolInput = ByteString.CopyFromUtf8("{\"command\":\"ls\"}"),
    };

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=30000; " + sql;
        await command.ExecuteNonQueryAsync();
    }
}
