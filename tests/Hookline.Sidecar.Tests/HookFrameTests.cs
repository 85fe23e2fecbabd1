using System.Buffers.Binary;
using System.Text;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal;

namespace Hookline.Sidecar.Tests;

public sealed class HookFrameTests
{
    internal static byte[] Request(string agent, string hookEvent, string stdin, byte flags = 0)
        => Request(agent, hookEvent, Encoding.UTF8.GetBytes(stdin), flags);

    /// <summary>A request frame with stdin as given, byte for byte (invalid UTF-8 included).</summary>
    internal static byte[] Request(string agent, string hookEvent, byte[] body, byte flags = 0)
    {
        var payload = new List<byte> { 1, flags, (byte)agent.Length };
        payload.AddRange(Encoding.ASCII.GetBytes(agent));
        payload.Add((byte)hookEvent.Length);
        payload.AddRange(Encoding.ASCII.GetBytes(hookEvent));
        payload.AddRange(body);
        return payload.ToArray();
    }

    /// <summary>A version 2 request frame: the version 1 layout with the hook's deadline after the event name.</summary>
    internal static byte[] RequestV2(string agent, string hookEvent, byte[] body, byte flags, uint budgetMs, uint approvalWaitMs)
    {
        var payload = Request(agent, hookEvent, [], flags);
        payload[0] = 2;
        var deadline = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(deadline, budgetMs);
        BinaryPrimitives.WriteUInt32BigEndian(deadline.AsSpan(4), approvalWaitMs);
        return [.. payload, .. deadline, .. body];
    }

    [Fact]
    public void Decodes_agent_event_stdin_and_the_truncation_flag()
    {
        var request = HookRequest.TryDecode(Request("claude", "pre-tool-use", "{\"a\":1}", flags: 1), out var error);

        Assert.Null(error);
        Assert.NotNull(request);
        Assert.Equal("claude", request.Agent);
        Assert.Equal("pre-tool-use", request.Event);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(request.Stdin.Span));
        Assert.True(request.StdinTruncated);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0 }, "shorter than its header")]
    [InlineData(new byte[] { 3, 0, 0, 0 }, "version 3")]
    [InlineData(new byte[] { 1, 0, 9, (byte)'c' }, "truncated")]
    public void Malformed_requests_are_refused_with_a_reason(byte[] payload, string expected)
    {
        Assert.Null(HookRequest.TryDecode(payload, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Reply_frames_carry_exit_code_stdout_and_stderr_with_big_endian_lengths()
    {
        var frame = new HookReply(2, Encoding.UTF8.GetBytes("out"), "err ü").ToFrame();

        var span = frame.AsSpan();
        Assert.Equal((uint)(frame.Length - 4), BinaryPrimitives.ReadUInt32BigEndian(span));
        Assert.Equal(1, span[4]);
        Assert.Equal(2, span[5]);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32BigEndian(span[6..]));
        Assert.Equal("out", Encoding.UTF8.GetString(span.Slice(10, 3)));
        var stderrLength = (int)BinaryPrimitives.ReadUInt32BigEndian(span[13..]);
        Assert.Equal("err ü", Encoding.UTF8.GetString(span.Slice(17, stderrLength)));
    }
}
