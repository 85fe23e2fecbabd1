using System.Text;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The codec in src/Shared, linked into both the hook and the sidecar: what one side writes the other reads, and both
/// refuse an oversized or truncated frame the same way. (The hook's own use of it runs as a process in Hook.Tests.)
/// </summary>
public sealed class SharedHookFrameTests
{
    [Fact]
    public void A_request_the_hook_writes_is_the_request_the_sidecar_reads()
    {
        var stdin = Encoding.UTF8.GetBytes("{\"tool_input\":{\"command\":\"ls\"}}");
        var frame = HookFrame.EncodeRequest("codex", "pre-tool-use", stdin, stdinTruncated: true);

        Assert.Equal((uint)(frame.Length - HookFrame.LengthPrefixBytes), HookFrame.ReadLength(frame));
        Assert.Equal(HookFrameTests.RequestV2("codex", "pre-tool-use", stdin, HookFrame.FlagStdinTruncated, 0, 0), frame[HookFrame.LengthPrefixBytes..]);
        var request = HookRequest.TryDecode(frame.AsMemory(HookFrame.LengthPrefixBytes), out var error);
        Assert.Null(error);
        Assert.Equal(new HookRequest("codex", "pre-tool-use", request!.Stdin, true), request);
        Assert.Equal(stdin, request.Stdin.ToArray());
    }

    [Fact]
    public void A_reply_the_sidecar_writes_is_the_reply_the_hook_reads()
    {
        var frame = new HookReply(2, Encoding.UTF8.GetBytes("{\"decision\":\"deny\"}"), "blocked ü").ToFrame();

        Assert.True(ReplyFrame.TryParse(frame[HookFrame.LengthPrefixBytes..], out var reply, out var problem), problem);
        Assert.Equal(2, reply.ExitCode);
        Assert.Equal("{\"decision\":\"deny\"}", Encoding.UTF8.GetString(reply.Stdout));
        Assert.Equal("blocked ü", Encoding.UTF8.GetString(reply.Stderr));
        Assert.Equal(HookFrame.LengthPrefixBytes + ReplyFrame.MinPayloadBytes, HookReply.Empty.ToFrame().Length);
    }

    [Theory]
    [InlineData(10u * 1024 * 1024, true)]
    [InlineData(10u * 1024 * 1024 + 1, false)]
    [InlineData(uint.MaxValue, false)]
    public void One_cap_for_both_directions(uint declared, bool accepted)
    {
        byte[] prefix = [(byte)(declared >> 24), (byte)(declared >> 16), (byte)(declared >> 8), (byte)declared];

        Assert.Equal(declared, HookFrame.ReadLength(prefix));
        Assert.Equal(accepted, HookFrame.IsWithinCap(HookFrame.ReadLength(prefix)));
    }

    [Fact]
    public void Truncated_frames_are_refused_with_a_reason_on_either_side()
    {
        var request = HookFrame.EncodeRequest("claude", "pre-tool-use", []);
        var reply = new HookReply(0, Encoding.UTF8.GetBytes("out"), "err").ToFrame();

        // Cut inside the event name / inside stdout.
        Assert.Null(HookRequest.TryDecode(request.AsMemory(HookFrame.LengthPrefixBytes, 10), out var requestProblem));
        Assert.Equal("request frame header is truncated", requestProblem);
        Assert.False(ReplyFrame.TryParse(reply[HookFrame.LengthPrefixBytes..^5], out _, out var replyProblem));
        Assert.Equal("reply section lengths overrun the frame", replyProblem);
        Assert.False(ReplyFrame.TryParse([.. reply[HookFrame.LengthPrefixBytes..], 0], out _, out var trailing));
        Assert.Equal("reply has 1 trailing bytes", trailing);
    }
}
