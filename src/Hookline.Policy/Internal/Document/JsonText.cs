using System.Runtime.InteropServices;
using System.Text.Json;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Document;

/// <summary>Reads tool-input fields into a <see cref="TextArena"/> without allocating a string.</summary>
internal static class JsonText
{
    /// <summary>A string field (or, unless <paramref name="strict"/>, a number or boolean as written); None when absent.</summary>
    public static TextRange Get(JsonElement element, string name, TextArena arena, bool strict = false)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return TextRange.None;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => Decode(value, arena),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False when !strict => Decode(value, arena),
            _ => TextRange.None,
        };
    }

    /// <summary>Unescapes and transcodes the element's raw UTF-8 (a JSON string, number or literal) into the arena.</summary>
    private static TextRange Decode(JsonElement value, TextArena arena)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (value.ValueKind != JsonValueKind.String)
        {
            var digits = arena.GetSpan(raw.Length);
            var count = System.Text.Encoding.UTF8.GetChars(raw, digits);
            var start = arena.Length;
            arena.Advance(count);
            return new TextRange(start, count);
        }

        // A UTF-16 string never has more chars than its UTF-8 JSON form has bytes.
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        var destination = arena.GetSpan(raw.Length);
        var written = reader.CopyString(destination);
        var at = arena.Length;
        arena.Advance(written);
        return new TextRange(at, written);
    }
}
