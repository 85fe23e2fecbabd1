using System.Text;

namespace Hookline.Core;

// Redaction under a byte cap: redact first, then cut and mark. Cutting first could leave the start of a secret that no
// pattern recognises any more (half a token); redacting first never does. The work is bounded by the cap, not by the
// payload: of a payload far larger than the cap only a window reaching well past the cap is redacted.
public static partial class Redactor
{
    /// <summary>Appended to a payload cut at the capture cap (the event is also marked <c>payload_truncated</c>).</summary>
    public const string TruncationMarker = "[TRUNCATED]";

    /// <summary>How far past the cap the redacted window reaches: more than the longest secret a pattern matches.</summary>
    internal const int WindowMargin = 64 * 1024;

    /// <summary>
    /// What is dropped from the end of a redacted window: a secret cut by the window's end may be unrecognised there
    /// (longer than the longest bounded pattern, with room for markers that are longer than what they replaced).
    /// </summary>
    internal const int UnsafeTail = 16 * 1024;

    /// <summary>
    /// Redacts a JSON payload and keeps at most <paramref name="maxBytes"/> of the result; a longer one is cut at a
    /// character boundary and ends with <see cref="TruncationMarker"/>. Allocates in proportion to the cap.
    /// </summary>
    public static byte[] RedactJson(ReadOnlySpan<byte> utf8, int maxBytes, out bool truncated)
        => RedactJsonIfChanged(utf8, maxBytes, out truncated) ?? utf8.ToArray();

    /// <summary><see cref="RedactJson(ReadOnlySpan{byte}, int, out bool)"/>, or null when the payload is kept as it is.</summary>
    internal static byte[]? RedactJsonIfChanged(ReadOnlySpan<byte> utf8, int maxBytes, out bool truncated)
    {
        if (utf8.Length <= (long)maxBytes + WindowMargin)
        {
            var whole = RedactJsonIfChanged(utf8, gated: true);
            truncated = (whole?.Length ?? utf8.Length) > maxBytes;
            return !truncated ? whole : whole is null ? Cut(utf8, maxBytes) : Cut(whole, maxBytes);
        }

        truncated = true;
        var window = Encoding.UTF8.GetString(utf8[..Utf8Boundary(utf8, maxBytes + WindowMargin)]);
        return Cut(Encoding.UTF8.GetBytes(WithoutUnsafeTail(RedactSpeltOut(window, gated: true))), maxBytes);
    }

    /// <summary>Redacts text and keeps at most <paramref name="maxBytes"/> of it in UTF-8, like <see cref="RedactJson(ReadOnlySpan{byte}, int, out bool)"/>.</summary>
    public static string Redact(string text, int maxBytes, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= (long)maxBytes + WindowMargin)
        {
            var whole = Redact(text);
            truncated = Encoding.UTF8.GetByteCount(whole) > maxBytes;
            return truncated ? Encoding.UTF8.GetString(Cut(Encoding.UTF8.GetBytes(whole), maxBytes)) : whole;
        }

        truncated = true;
        var end = maxBytes + WindowMargin;
        end -= char.IsHighSurrogate(text[end - 1]) ? 1 : 0;
        return Encoding.UTF8.GetString(Cut(Encoding.UTF8.GetBytes(WithoutUnsafeTail(Redact(text[..end]))), maxBytes));
    }

    /// <summary>Cuts a payload without redacting it (full capture): at most <paramref name="maxBytes"/>, marked when cut.</summary>
    public static byte[] Truncate(ReadOnlySpan<byte> utf8, int maxBytes, out bool truncated)
        => TruncateIfLonger(utf8, maxBytes, out truncated) ?? utf8.ToArray();

    /// <summary><see cref="Truncate(ReadOnlySpan{byte}, int, out bool)"/>, or null when the payload fits.</summary>
    internal static byte[]? TruncateIfLonger(ReadOnlySpan<byte> utf8, int maxBytes, out bool truncated)
    {
        truncated = utf8.Length > maxBytes;
        return truncated ? Cut(utf8, maxBytes) : null;
    }

    /// <summary>Text cut at the cap like <see cref="Truncate(ReadOnlySpan{byte}, int, out bool)"/>.</summary>
    public static string Truncate(string text, int maxBytes, out bool truncated)
    {
        truncated = Encoding.UTF8.GetByteCount(text) > maxBytes;
        return truncated ? Encoding.UTF8.GetString(Cut(Encoding.UTF8.GetBytes(text[..Math.Min(text.Length, maxBytes)]), maxBytes)) : text;
    }

    private static string WithoutUnsafeTail(string redacted)
    {
        var keep = Math.Max(0, redacted.Length - UnsafeTail);
        keep -= keep > 0 && char.IsHighSurrogate(redacted[keep - 1]) ? 1 : 0;
        return redacted[..keep];
    }

    /// <summary>The first bytes of a payload that, with the marker, fit in <paramref name="maxBytes"/>; empty when the marker alone does not.</summary>
    private static byte[] Cut(ReadOnlySpan<byte> utf8, int maxBytes)
    {
        var room = maxBytes - TruncationMarker.Length;
        if (room <= 0)
        {
            return [];
        }

        var head = utf8[..Utf8Boundary(utf8, room)];
        var cut = new byte[head.Length + TruncationMarker.Length];
        head.CopyTo(cut);
        Encoding.ASCII.GetBytes(TruncationMarker, cut.AsSpan(head.Length));
        return cut;
    }

    /// <summary>The largest length up to <paramref name="length"/> that does not split a UTF-8 sequence.</summary>
    private static int Utf8Boundary(ReadOnlySpan<byte> utf8, int length)
    {
        if (length >= utf8.Length)
        {
            return utf8.Length;
        }

        while (length > 0 && (utf8[length] & 0xC0) == 0x80)
        {
            length--;
        }

        return length;
    }
}
