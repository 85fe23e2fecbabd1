namespace Hookline.Core;

/// <summary>
/// What every <see cref="SingleStreamWriter{T}"/> of this process has written: messages, and the writes among them that
/// flushed (the others were buffered to go with the next). The load tool divides them by its decisions.
/// </summary>
public static class StreamWriterCounts
{
    private static long s_written;
    private static long s_flushes;

    public static long MessagesWritten => Interlocked.Read(ref s_written);

    public static long Flushes => Interlocked.Read(ref s_flushes);

    internal static void Count(bool flushed)
    {
        Interlocked.Increment(ref s_written);
        if (flushed)
        {
            Interlocked.Increment(ref s_flushes);
        }
    }
}
