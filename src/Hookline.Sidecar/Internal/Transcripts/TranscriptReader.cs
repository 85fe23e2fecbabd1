using System.Buffers;
using Hookline.Contracts.V1;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.Transcripts;

/// <summary>
/// Reads what was appended to a session's transcripts since the last read: it remembers, per file, how far it got, so
/// a long session is never read again from the start. A line still being written (no newline yet) is read next time.
/// One reader per session; not thread-safe (<see cref="ExecutedCalls"/> runs one read at a time).
/// </summary>
internal sealed class TranscriptReader(TranscriptLimits limits, TimeProvider time, ILogger logger)
{
    private const int ChunkBytes = 64 * 1024;
    private const int MaxFiles = 64;

    private readonly Dictionary<string, Cursor> _cursors = new(StringComparer.Ordinal);

    // Calls asked for whose result has not been read yet (id → tool name), over every transcript of the session.
    private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);

    /// <param name="Skipping">The read stopped inside a line too long to keep; the rest of it is skipped.</param>
    private readonly record struct Cursor(ulong Inode, long Offset, bool Skipping);

    public TranscriptLimits Limits => limits;

    /// <summary>Adds the executed tool calls the lines appended to <paramref name="path"/> since the last read show.</summary>
    public void ReadNew(string path, List<ExecutedToolCall> calls)
    {
        using var file = TranscriptFile.Open(path, limits.Directories, out var refusal);
        if (file is null)
        {
            TranscriptLog.Refused(logger, path, refusal);
            return;
        }
        var cursor = _cursors.GetValueOrDefault(path);
        if (cursor.Inode != file.Inode || cursor.Offset > file.Size)
        {
            cursor = new Cursor(file.Inode, 0, false); // new, replaced or cut short: from the start
        }
        var started = time.GetTimestamp();
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var line = new ArrayBufferWriter<byte>();
        var position = cursor.Offset;
        var committed = cursor.Offset;
        var skipping = cursor.Skipping;
        var skipped = 0;
        // At least one whole line per pass, or a line longer than a pass would be started again forever.
        var passBytes = Math.Max(limits.MaxBytesPerPass, limits.MaxLineBytes + 1L);
        try
        {
            while (position - cursor.Offset < passBytes && time.GetElapsedTime(started) < limits.MaxPassTime)
            {
                var want = (int)Math.Min(ChunkBytes, passBytes - (position - cursor.Offset));
                var read = file.Read(chunk.AsSpan(0, want), position);
                if (read == 0)
                {
                    break;
                }
                var rest = chunk.AsMemory(0, read);
                while (!rest.IsEmpty)
                {
                    var newline = rest.Span.IndexOf((byte)'\n');
                    var piece = newline < 0 ? rest : rest[..newline];
                    if (!skipping && line.WrittenCount + piece.Length > limits.MaxLineBytes)
                    {
                        skipping = true;
                        line.ResetWrittenCount();
                        TranscriptLog.LongLine(logger, path, limits.MaxLineBytes);
                    }
                    if (!skipping)
                    {
                        line.Write(piece.Span);
                    }
                    if (newline < 0)
                    {
                        if (skipping)
                        {
                            committed = position + read; // nothing of a skipped line is needed again
                        }
                        break;
                    }
                    if (!skipping && !TranscriptLine.TryRead(Trim(line.WrittenMemory), _pending, calls))
                    {
                        skipped++;
                    }
                    skipping = false;
                    line.ResetWrittenCount();
                    rest = rest[(newline + 1)..];
                    committed = position + read - rest.Length;
                }
                position += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        if (skipped > 0)
        {
            TranscriptLog.LinesSkipped(logger, path, skipped);
        }
        if (_cursors.Count >= MaxFiles && !_cursors.ContainsKey(path))
        {
            _cursors.Clear(); // a session with this many transcripts is not normal: forget, and re-read if they come again
        }
        _cursors[path] = new Cursor(file.Inode, committed, skipping);
    }

    private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> line) =>
        !line.IsEmpty && line.Span[^1] == (byte)'\r' ? line[..^1] : line;
}
