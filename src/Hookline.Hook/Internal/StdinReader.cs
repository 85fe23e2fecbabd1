namespace Hookline.Hook.Internal;

/// <summary>
/// Reads fd 0 to EOF with a byte cap and a deadline; whatever lies beyond the cap is read and thrown away. A read
/// error or a stdin still open at the deadline is a failure, never a shorter input: a cut-off tool call must not be
/// judged as if it were whole.
/// </summary>
internal static unsafe class StdinReader
{
    private const int DrainChunkBytes = 64 * 1024;

    /// <summary>
    /// Appends stdin to <paramref name="buffer"/> from <paramref name="offset"/>, growing it as needed, keeping at most
    /// <paramref name="maxBytes"/>. Returns the count kept; <paramref name="problem"/> says why stdin could not be read
    /// to its end before <paramref name="deadline"/> (<see cref="Environment.TickCount64"/>), else null.
    /// </summary>
    internal static int ReadUpTo(ref byte[] buffer, int offset, int maxBytes, long deadline, out bool truncated, out string? problem)
    {
        var count = 0;
        truncated = false;
        while (true)
        {
            if (count == maxBytes)
            {
                // Keep reading to EOF: the agent must never block writing to a pipe nobody reads.
                truncated = DrainToEof(deadline, out problem);
                return count;
            }
            if (offset + count == buffer.Length)
            {
                var grown = Math.Min((long)buffer.Length * 2, (long)offset + maxBytes);
                Array.Resize(ref buffer, (int)grown);
            }
            var room = Math.Min(buffer.Length - offset - count, maxBytes - count);
            var read = ReadSome(buffer.AsSpan(offset + count, room), deadline, out problem);
            if (read == 0)
            {
                return count;
            }
            count += read;
        }
    }

    /// <summary>Reads stdin to EOF and discards it; true if there was at least one byte.</summary>
    private static bool DrainToEof(long deadline, out string? problem)
    {
        var sawBytes = false;
        Span<byte> chunk = stackalloc byte[DrainChunkBytes];
        while (ReadSome(chunk, deadline, out problem) > 0)
        {
            sawBytes = true;
        }
        return sawBytes;
    }

    /// <summary>
    /// One read(2) from stdin into <paramref name="into"/> once it is readable, retried on EINTR and EAGAIN. Returns
    /// the count read, or 0 at EOF (<paramref name="problem"/> null), on an error, or at the deadline.
    /// </summary>
    private static int ReadSome(Span<byte> into, long deadline, out string? problem)
    {
        while (true)
        {
            // Poll first: a blocking read of a pipe the agent never closes would outlast every deadline.
            if (!WaitReadable(deadline, out problem))
            {
                return 0;
            }
            nint read;
            fixed (byte* start = into)
            {
                read = Libc.Read(Libc.StdinFd, start, into.Length);
            }
            if (read >= 0)
            {
                return (int)read;
            }
            var errno = Libc.LastErrno;
            if (errno is Libc.EINTR or Libc.EAGAIN)
            {
                continue;
            }
            problem = "reading the hook input on stdin: " + Libc.Describe(errno);
            return 0;
        }
    }

    private static bool WaitReadable(long deadline, out string? problem)
    {
        while (true)
        {
            var remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                problem = "the hook input on stdin did not end within the hook's timeout";
                return false;
            }
            var pollFd = new Libc.PollFd { Fd = Libc.StdinFd, Events = Libc.POLLIN };
            var ready = Libc.Poll(&pollFd, 1, (int)remaining);
            if (ready > 0 || (ready < 0 && Libc.LastErrno != Libc.EINTR))
            {
                // Readable, at EOF (POLLHUP), or an error (POLLERR, POLLNVAL): the read says which.
                problem = null;
                return true;
            }
        }
    }
}
