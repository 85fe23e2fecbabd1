using System.Text;
using Hookline.Shared;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>What the hook process prints and exits with, already in the agent's native shape.</summary>
internal sealed record HookReply(byte ExitCode, ReadOnlyMemory<byte> Stdout, string Stderr)
{
    public static readonly HookReply Empty = new(0, ReadOnlyMemory<byte>.Empty, "");

    /// <summary>The reply frame the hook reads, length prefix included.</summary>
    public byte[] ToFrame() => ReplyFrame.Encode(ExitCode, Stdout.Span, Encoding.UTF8.GetBytes(Stderr));
}
