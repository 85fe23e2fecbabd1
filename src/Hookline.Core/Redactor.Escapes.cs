using System.Globalization;
using System.Text;

namespace Hookline.Core;

// JSON that cannot be walked as JSON (not valid, or the head of a payload cut at the capture cap) is redacted as text.
// A JSON escape hides a secret from the text patterns (\u0067hp_..., https:\/\/user:pw@...), at any depth of JSON quoted
// inside JSON strings (\\u0067 one level down, \\\\u0067 two). Such escapes are spelt out first: the character takes
// the place of its escape and of the backslashes that quote that escape, so the text reads the same at every level.
public static partial class Redactor
{
    /// <summary>
    /// <paramref name="json"/> with every <c>\uXXXX</c> of a character that needs no escape and every <c>\/</c> spelt
    /// out, at whatever depth of quoting; the same instance when there is none.
    /// </summary>
    internal static string SpellOutEscapes(string json)
    {
        var i = json.IndexOf('\\');
        if (i < 0)
        {
            return json;
        }

        StringBuilder? spelt = null;
        var copied = 0;
        while (i >= 0)
        {
            var run = i;
            while (i < json.Length && json[i] == '\\')
            {
                i++;
            }

            // A run of n backslashes quotes its escape at the depth of n's lowest set bit: 1 is read here, 2 one level
            // down (\\ is one backslash there), and so on; the backslashes above that bit are literal and stay.
            var count = i - run;
            if (TryHiddenCharacter(json, i, out var character, out var length))
            {
                spelt ??= new StringBuilder(json.Length);
                spelt.Append(json, copied, i - copied - (count & -count)).Append(character);
                i += length;
                copied = i;
            }

            i = i < json.Length ? json.IndexOf('\\', i) : -1;
        }

        return spelt is null ? json : spelt.Append(json, copied, json.Length - copied).ToString();
    }

    /// <summary>
    /// Redacts text in which JSON escapes may hide a secret (JSON that cannot be walked, or a string value that is not
    /// JSON itself): the patterns read it with its escapes spelt out. When they find nothing there, the text is
    /// redacted as sent, so an audit record keeps what the agent sent unless a secret had to go.
    /// </summary>
    internal static string RedactSpeltOut(string text, bool gated)
    {
        var spelt = SpellOutEscapes(text);
        if (ReferenceEquals(spelt, text))
        {
            return Redact(text, gated);
        }

        var redacted = Redact(spelt, gated);
        return ReferenceEquals(redacted, spelt) ? Redact(text, gated) : redacted;
    }

    // A character that JSON never has to escape: spelling it out changes no string's meaning and closes none.
    private static bool TryHiddenCharacter(string json, int at, out char character, out int length)
    {
        (character, length) = ('/', 1);
        if (at < json.Length && json[at] == '/')
        {
            return true;
        }

        length = 5;
        if (at + length > json.Length || json[at] != 'u'
            || !ushort.TryParse(json.AsSpan(at + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
        {
            return false;
        }

        character = (char)code;
        return character >= ' ' && character is not ('"' or '\\' or '\u007f') && !char.IsSurrogate(character);
    }
}
