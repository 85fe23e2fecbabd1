using System.Text.Json;
using System.Text.Unicode;

namespace Hookline.Policy;

/// <summary>
/// Finds the text in a JSON document that cannot be read as a string: invalid UTF-8 bytes and lone UTF-16 surrogate
/// escapes (<c>"\ud800"</c>, which Node's and Python's encoders write for file names that are not UTF-8).
/// <see cref="JsonDocument"/> accepts both and only fails later, in <c>GetString</c> or even <c>TryGetProperty</c>,
/// with <see cref="InvalidOperationException"/>: checking once, up front, turns that into malformed input.
/// </summary>
public static class JsonValidity
{
    private const string LoneSurrogate = "has a lone UTF-16 surrogate escape";

    /// <summary>Why the document's text cannot be read, or null when it can (or when it is not JSON at all: the parser says so).</summary>
    /// <param name="opaqueMembers">Top-level members whose values are kept as bytes and never read: not checked.</param>
    public static string? Problem(ReadOnlySpan<byte> json, int maxDepth = 64, ReadOnlySpan<string> opaqueMembers = default)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
                {
                    continue;
                }
                if (TextProblem(ref reader) is { } problem)
                {
                    return (reader.TokenType == JsonTokenType.PropertyName ? "a member name" : "a string") + $" at byte {reader.TokenStartIndex} {problem}";
                }
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && IsOpaque(ref reader, opaqueMembers))
                {
                    reader.Read();
                    reader.TrySkip();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: whoever parses it reports that, with its own wording.
        }
        return null;
    }

    /// <summary>Whether <paramref name="ex"/> is how System.Text.Json reports unreadable text or structure: malformed input, not a fault.</summary>
    public static bool IsMalformedInput(Exception ex) => ex is JsonException or InvalidOperationException or ArgumentException or FormatException;

    private static bool IsOpaque(ref Utf8JsonReader reader, ReadOnlySpan<string> opaqueMembers)
    {
        foreach (var name in opaqueMembers)
        {
            if (reader.ValueTextEquals(name))
            {
                return true;
            }
        }
        return false;
    }

    private static string? TextProblem(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan; // Read from one span: never a sequence.
        if (!Utf8.IsValid(raw))
        {
            return "is not valid UTF-8";
        }
        return reader.ValueIsEscaped ? EscapeProblem(raw) : null;
    }

    /// <summary>Every <c>\uD800</c>–<c>\uDBFF</c> escape must be followed by a <c>\uDC00</c>–<c>\uDFFF</c> one, and no low one may stand alone.</summary>
    private static string? EscapeProblem(ReadOnlySpan<byte> raw)
    {
        var pendingHigh = false;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\')
            {
                if (pendingHigh)
                {
                    return LoneSurrogate;
                }
                continue;
            }
            var escaped = raw[++i]; // The reader has checked the escape syntax: a backslash is never last.
            if (escaped != 'u')
            {
                if (pendingHigh)
                {
                    return LoneSurrogate;
                }
                continue;
            }
            var unit = Hex(raw.Slice(i + 1, 4));
            i += 4;
            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (pendingHigh)
                {
                    return LoneSurrogate;
                }
                pendingHigh = true;
            }
            else if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                if (!pendingHigh)
                {
                    return LoneSurrogate;
                }
                pendingHigh = false;
            }
            else if (pendingHigh)
            {
                return LoneSurrogate;
            }
        }
        return pendingHigh ? LoneSurrogate : null;
    }

    private static int Hex(ReadOnlySpan<byte> digits)
    {
        var value = 0;
        foreach (var digit in digits)
        {
            value = (value << 4) | (digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
        }
        return value;
    }
}
