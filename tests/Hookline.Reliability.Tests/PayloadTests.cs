using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Hookline.Reliability.Tests;

/// <summary>Payloads too big for the spool cap or the frame cap: the record always survives, with a marker.</summary>
public sealed class PayloadTests(ITestOutputHelper output)
{
    private static async Task<List<(string ToolUseId, bool Shed, long? Bytes, long ResponseLength, bool Truncated, long RawLength, string Source, string? Applied, string? Reason)>>
        ReadAsync(ProcessStack stack)
    {
        await using var connection = new SqliteConnection($"Data Source={stack.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT tool_use_id, payload_shed, payload_bytes, COALESCE(LENGTH(tool_response), 0), payload_truncated,
                   COALESCE(LENGTH(raw_input), 0), applied_source, applied_verdict, applied_reason
            FROM events WHERE session_id = $s ORDER BY event_time_ms, rowid
            """;
        command.Parameters.AddWithValue("$s", stack.SessionId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, bool, long?, long, bool, long, string, string?, string?)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1) == 1, reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4) == 1, reader.GetInt64(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return rows;
    }

    [Fact]
    public async Task Over_its_size_cap_the_spool_sheds_the_oldest_payloads_and_keeps_every_record()
    {
        // 64 KiB of spool; 60 outputs of 4 KiB while the server is away: the oldest payloads must go, the records stay.
        await using var stack = await ProcessStack.StartAsync(withServer: false, sidecarArgs: ["--spool-max-bytes", "65536"]);
        var output4k = new string('x', 4096);
        var cases = Enumerable.Range(0, 60).Select(i =>
        {
            var id = $"toolu_shed_{i:D3}";
            return new HookCase(id, "post-tool-use", Workload.Stdin("PostToolUse", id, $"cat file{i}", output4k), null);
        }).ToList();

        var outcomes = await Burst.RunAsync(stack.SocketPath, cases, concurrency: 1);
        var status = await SidecarProbe.StatusAsync(stack.SocketPath);
        await stack.StartServerAsync();
        await SidecarProbe.DrainedAsync(stack.Sidecar!, stack.SocketPath);
        var rows = await ReadAsync(stack);

        Assert.All(outcomes, o => Assert.Equal(0, o.Run.ExitCode));
        Assert.True(status.ShedPayloads > 0, "nothing was shed");
        Assert.Equal(cases.Select(c => c.ToolUseId), rows.Select(r => r.ToolUseId));
        var shed = rows.Where(r => r.Shed).ToList();
        Assert.Equal(status.ShedPayloads, shed.Count);
        Assert.All(shed, r => Assert.Equal((0L, true), (r.ResponseLength, r.Bytes > 4096)));
        // Oldest first: every shed event came before every whole one.
        Assert.True(rows.FindLastIndex(r => r.Shed) < rows.FindIndex(r => !r.Shed), "shedding did not go oldest first");
        Assert.All(rows.Where(r => !r.Shed), r => Assert.True(r.ResponseLength > 4096));
        output.WriteLine($"60 outputs of 4 KiB under a 64 KiB cap: {shed.Count} payloads shed, {rows.Count} records stored");
    }

    [Fact]
    public async Task A_20_MiB_payload_is_recorded_cut_with_a_marker_and_a_blocking_one_is_denied_with_the_reason()
    {
        await using var stack = await ProcessStack.StartAsync();
        var huge = new string('y', 20 * 1024 * 1024);
        var post = Workload.Stdin("PostToolUse", "toolu_huge_post", "cat big.log", huge);
        var pre = Workload.Stdin("PreToolUse", "toolu_huge_pre", "echo " + huge);

        var postRun = await HookRun.SpawnAsync(stack.SocketPath, "post-tool-use", post);
        var preRun = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", pre);
        await SidecarProbe.DrainedAsync(stack.Sidecar!, stack.SocketPath);
        var rows = await ReadAsync(stack);

        Assert.Equal((0, ""), (postRun.ExitCode, postRun.Stdout));
        Assert.Equal(2, preRun.ExitCode);
        Assert.Contains("exceeds the 10 MiB cap", preRun.Stderr);
        Assert.Equal(2, rows.Count);
        var postRow = Assert.Single(rows, r => r.Source == "non_blocking");
        Assert.True(postRow.Truncated);
        // The hook cut it at the frame cap; storage keeps at most the capture cap of it, redacted first, then cut.
        Assert.InRange(postRow.RawLength, 1, 64 * 1024); // --capture-max-bytes, default 64 KiB
        var preRow = Assert.Single(rows, r => r.Source == "malformed_input");
        Assert.Equal("deny", preRow.Applied);
        Assert.Contains("exceeds the 10 MiB cap", preRow.Reason);
    }
}
