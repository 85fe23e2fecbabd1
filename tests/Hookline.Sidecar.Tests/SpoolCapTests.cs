using System.Text;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Spool;
using Hookline.Sidecar.Internal;

namespace Hookline.Sidecar.Tests;

/// <summary>The spool's size cap sheds payloads oldest first and never a record; a cut hook input still says what it was.</summary>
public sealed class SpoolCapTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static HookEvent Output(int i, int bytes) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        SessionId = "s",
        Agent = "claude",
        HookEventName = "PostToolUse",
        ToolName = "Bash",
        ToolUseId = $"toolu_{i}",
        ToolInput = ByteString.CopyFromUtf8("{\"command\":\"cat x\"}"),
        ToolResponse = ByteString.CopyFrom(new byte[bytes]),
    };

    private static AppliedDecision Allowed => new() { Verdict = Verdict.Allow, Source = DecisionSource.NonBlocking };

    [Fact]
    public void Over_the_cap_the_oldest_payloads_are_shed_and_every_record_is_kept()
    {
        var spool = new EventSpool(maxBytes: 10_000);

        for (var i = 0; i < 10; i++)
        {
            var hookEvent = Output(i, 2_000);
            spool.Add(hookEvent, Allowed);
        }

        var held = spool.Unacknowledged();
        Assert.Equal(10, held.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"toolu_{i}"), held.Select(e => e.ToolUseId));
        var shed = held.TakeWhile(e => e.PayloadShed).ToList();
        Assert.Equal(spool.Shed, shed.Count);
        Assert.InRange(shed.Count, 5, 9);
        Assert.All(held.Skip(shed.Count), e => Assert.False(e.PayloadShed));
        Assert.All(shed, e => Assert.Equal((0, 0, true), (e.ToolResponse.Length, e.ToolInput.Length, e.PayloadBytes > 2_000)));
        Assert.All(shed, e => Assert.Equal(Verdict.Allow, e.Applied.Verdict));
        Assert.True(spool.Bytes <= 10_000, $"{spool.Bytes} bytes held");
    }

    [Fact]
    public void A_blocking_event_still_waiting_for_its_decision_keeps_its_payload()
    {
        var spool = new EventSpool(maxBytes: 1_000);
        var waiting = Output(0, 2_000);
        waiting.DecisionWanted = true;

        spool.Add(waiting);
        spool.Add(Output(1, 10), Allowed);

        // Oldest first, yet only the later event was shed: the waiting one is skipped.
        Assert.Equal(1, spool.Shed);
        spool.SetApplied(waiting.EventId, Allowed, sentSeparately: false);
        Assert.Equal(2, spool.Shed);
        Assert.True(spool.Unacknowledged()[0].PayloadShed);
    }

    [Fact]
    public async Task Shed_payloads_stay_shed_in_the_spool_file()
    {
        var path = _dir.File("spool.db");
        await using (var disk = new SpoolStore(path))
        {
            var spool = new EventSpool(disk, maxBytes: 3_000);
            spool.Add(Output(0, 2_000), Allowed);
            spool.Add(Output(1, 2_000), Allowed);
            await spool.FlushToDiskAsync();
        }
        await using var reopened = new SpoolStore(path);

        var rows = reopened.Load();

        Assert.Equal([true, false], rows.Select(r => r.Event.PayloadShed));
    }

    [Fact]
    public void A_cut_hook_input_gives_its_complete_members()
    {
        var whole = """{"session_id":"abc","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"cat big"},"n":12,"tool_response":{"stdout":"xxxxxxxxxxxxxxxx""";
        var cut = Encoding.UTF8.GetBytes(whole);

        var salvaged = TruncatedJson.Salvage(cut);

        Assert.Equal("""{"session_id":"abc","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"cat big"},"n":12}""",
            Encoding.UTF8.GetString(salvaged!));
        Assert.Null(TruncatedJson.Salvage("[1,2"u8));
        Assert.Equal("{}", Encoding.UTF8.GetString(TruncatedJson.Salvage("{\"a\":\"b"u8)!));
    }
}
