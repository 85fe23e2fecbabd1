using System.Text;

namespace Hookline.Hook.Internal;

/// <summary>Hand-formats one JSON object of strings, numbers, booleans and objects; the hook carries no JSON library.</summary>
internal sealed class JsonLineWriter
{
    private const string HexDigits = "0123456789abcdef";

    private readonly StringBuilder _text = new("{");

    internal JsonLineWriter String(string name, string value)
    {
        Name(name);
        Quoted(value);
        return this;
    }

    internal JsonLineWriter Number(string name, long value)
    {
        Name(name);
        _text.Append(value);
        return this;
    }

    internal JsonLineWriter Boolean(string name, bool value)
    {
        Name(name);
        _text.Append(value ? "true" : "false");
        return this;
    }

    /// <summary>A nested object: <paramref name="members"/>' members, closed.</summary>
    internal JsonLineWriter Object(string name, JsonLineWriter members)
    {
        Name(name);
        _text.Append(members._text).Append('}');
        return this;
    }

    /// <summary>The object, closed, with a trailing newline, as UTF-8 (lone surrogates become U+FFFD).</summary>
    internal byte[] ToUtf8Line() => Encoding.UTF8.GetBytes(_text.ToString() + "}\n");

    private void Name(string name)
    {
        if (_text.Length > 1)
        {
            _text.Append(',');
        }
        Quoted(name);
        _text.Append(':');
    }

    private void Quoted(string value)
    {
        _text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': _text.Append("\\\""); break;
                case '\\': _text.Append("\\\\"); break;
                case '\n': _text.Append("\\n"); break;
                case '\r': _text.Append("\\r"); break;
                case '\t': _text.Append("\\t"); break;
                case < ' ' or '\u2028' or '\u2029':
                    _text.Append("\\u").Append(HexDigits[c >> 12]).Append(HexDigits[(c >> 8) & 0xf])
                        .Append(HexDigits[(c >> 4) & 0xf]).Append(HexDigits[c & 0xf]);
                    break;
                default: _text.Append(c); break;
            }
        }
        _text.Append('"');
    }
}
