namespace Hookline.Hook.Internal;

/// <summary>Writes bytes straight to a file descriptor (stdout, stderr): no Console, no buffering layer.</summary>
internal static unsafe class FdOutput
{
    /// <summary>Writes every byte, retrying short writes; gives up silently if the reader went away.</summary>
    internal static void WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
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
                if (written < 0 && errno == Libc.EAGAIN)
                {
                    // The agent handed us a non-blocking pipe: wait until it drains.
                    var pollFd = new Libc.PollFd { Fd = fd, Events = Libc.POLLOUT };
                    Libc.Poll(&pollFd, 1, -1);
                    continue;
                }
                return;
            }
        }
    }

    /// <summary>One line on stderr, UTF-8, newline-terminated.</summary>
    internal static void WriteErrorLine(string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        WriteAll(Libc.StderrFd, bytes);
    }
}
