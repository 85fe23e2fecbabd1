namespace Hookline.Policy.Internal.Shell;

/// <summary>A slice of a <see cref="TextArena"/>; <see cref="None"/> when absent.</summary>
internal readonly record struct TextRange(int Start, int Length)
{
    public static readonly TextRange None = new(-1, 0);

    public bool HasValue => Start >= 0;
}

/// <summary>
/// A reusable, append-only char buffer: the text of one evaluation (the decoded command, unquoted words, joined
/// sub-commands, normalised paths) lives here as ranges, so the allow path allocates no strings. It only grows
/// (a copy keeps every range valid), and is cleared before the next evaluation on the same thread.
/// </summary>
internal sealed class TextArena
{
    private char[] _chars = new char[512];

    public int Length { get; private set; }

    /// <summary>The current buffer. Spans taken before a later append may point at an older, equally valid copy.</summary>
    public char[] Chars => _chars;

    public ReadOnlySpan<char> this[TextRange range] => _chars.AsSpan(range.Start, range.Length);

    public void Clear() => Length = 0;

    /// <summary>Drops everything appended after <paramref name="length"/> (a stack pop).</summary>
    public void Truncate(int length) => Length = length;

    public string? ToStringOrNull(TextRange range) => range.HasValue ? new string(this[range]) : null;

    public TextRange Append(ReadOnlySpan<char> text)
    {
        Ensure(text.Length);
        var start = Length;
        text.CopyTo(_chars.AsSpan(start));
        Length += text.Length;
        return new TextRange(start, text.Length);
    }

    public void Append(char c)
    {
        Ensure(1);
        _chars[Length++] = c;
    }

    /// <summary>The range from <paramref name="start"/> to the current end.</summary>
    public TextRange From(int start) => new(start, Length - start);

    /// <summary>Room for <paramref name="count"/> chars at the end; call <see cref="Advance"/> with what was written.</summary>
    public Span<char> GetSpan(int count)
    {
        Ensure(count);
        return _chars.AsSpan(Length, count);
    }

    public void Advance(int count) => Length += count;

    private void Ensure(int extra)
    {
        if (Length + extra > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, Length + extra));
        }
    }
}
