namespace Hookline.Hook.Internal;

/// <summary>Writes bytes straight to a file descriptor (stdout, stderr): no Console, no buffering layer.</summary>
internal static unsafe class FdOutput
{
    /// <summary>
    /// How long one write may wait for a full pipe to drain. Bounded, so an agent that stops reading cannot hold the
    /// hook past its own timeout (the hook's budget leaves this much room inside the agent's).
    /// </summary>
    internal const int DrainWaitMs = 1000;

    /// <summary>Writes every byte, retrying short writes.</summary>
    /// <returns>False when not every byte was written: the reader went away, the fd is closed, or it stayed full.</returns>
    internal static bool WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        var deadline = Environment.TickCount64 + DrainWaitMs;
        fixed (byte* start = bytes)
        {
            var offset = 0;
            while (offset < bytes.Length)
            {
                var written = Libc.Write(fd, start + offset, bytes.Length - offset);
                if (written > 0)
                {
                    offset += (int)written;
                    continue;
                }
                var errno = Libc.LastErrno;
                if (written < 0 && errno == Libc.EINTR)
                {
                    continue;
                }
                var remaining = deadline - Environment.TickCount64;
                if (written < 0 && errno == Libc.EAGAIN && remaining > 0)
                {
                    // The agent handed us a non-blocking pipe: wait until it drains.
                    var pollFd = new Libc.PollFd { Fd = fd, Events = Libc.POLLOUT };
                    Libc.Poll(&pollFd, 1, (int)remaining);
                    continue;
                }
                return false;
            }
        }
        return true;
    }

    /// <summary>One line on stderr, UTF-8, newline-terminated.</summary>
    internal static void WriteErrorLine(string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        WriteAll(Libc.StderrFd, bytes);
    }
}
