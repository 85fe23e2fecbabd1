namespace Hookline.Hook.Internal;

/// <summary>Reads fd 0 to EOF with a byte cap; whatever lies beyond the cap is read and thrown away.</summary>
internal static unsafe class StdinReader
{
    private const int DrainChunkBytes = 64 * 1024;

    /// <summary>
    /// Appends stdin to <paramref name="buffer"/> from <paramref name="offset"/>, growing it as needed, keeping at most
    /// <paramref name="maxBytes"/>. Returns the count kept.
    /// </summary>
    internal static int ReadUpTo(ref byte[] buffer, int offset, int maxBytes, out bool truncated)
    {
        var count = 0;
        truncated = false;
        while (true)
        {
            if (count == maxBytes)
            {
                // Keep reading to EOF: the agent must never block writing to a pipe nobody reads.
                truncated = DrainToEof();
                return count;
            }
            if (offset + count == buffer.Length)
            {
                var grown = Math.Min((long)buffer.Length * 2, (long)offset + maxBytes);
                Array.Resize(ref buffer, (int)grown);
            }
            var room = Math.Min(buffer.Length - offset - count, maxBytes - count);
            var read = ReadSome(buffer.AsSpan(offset + count, room));
            if (read == 0)
            {
                // EOF, or no usable stdin at all (closed fd): forward what we have.
                return count;
            }
            count += read;
        }
    }

    /// <summary>Reads stdin to EOF and discards it; true if there was at least one byte.</summary>
    private static bool DrainToEof()
    {
        var sawBytes = false;
        Span<byte> chunk = stackalloc byte[DrainChunkBytes];
        while (ReadSome(chunk) > 0)
        {
            sawBytes = true;
        }
        return sawBytes;
    }

    /// <summary>
    /// One read(2) from stdin into <paramref name="into"/>, retried on EINTR and waited out on EAGAIN. Returns the
    /// count read, or 0 at EOF or on an error (a closed fd included).
    /// </summary>
    private static int ReadSome(Span<byte> into)
    {
        while (true)
        {
            nint read;
            fixed (byte* start = into)
            {
                read = Libc.Read(Libc.StdinFd, start, into.Length);
            }
            if (read > 0)
            {
                return (int)read;
            }
            if (read < 0 && Libc.LastErrno == Libc.EINTR)
            {
                continue;
            }
            if (read < 0 && Libc.LastErrno == Libc.EAGAIN)
            {
                WaitReadable();
                continue;
            }
            return 0;
        }
    }

    private static void WaitReadable()
    {
        var pollFd = new Libc.PollFd { Fd = Libc.StdinFd, Events = Libc.POLLIN };
        Libc.Poll(&pollFd, 1, -1);
    }
}
