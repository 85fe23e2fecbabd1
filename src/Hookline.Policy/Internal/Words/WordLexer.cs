namespace Hookline.Policy.Internal.Words;

internal enum SegmentKind
{
    /// <summary>One literal character (<see cref="WordSegment.Char"/>), quoted or not.</summary>
    Literal,

    /// <summary><c>$NAME</c> or <c>${NAME}</c>: <see cref="WordSegment.Name"/> is the variable.</summary>
    Variable,

    /// <summary>Any other expansion: <c>$( )</c>, backticks, <c>${...}</c> with operators, special parameters.</summary>
    Expansion,

    /// <summary><c>$(( ))</c> or <c>$[ ]</c>: <see cref="WordSegment.Name"/> is the expression.</summary>
    Arithmetic,

    /// <summary>An unquoted <c>*</c>, <c>?</c> or <c>[...]</c> (the whole class).</summary>
    Glob,

    /// <summary>Something this lexer does not follow (<c>$'...'</c>): the word is taken as unknown.</summary>
    Unsupported,
}

/// <summary>One piece of a raw shell word. <see cref="Raw"/> is its source text.</summary>
internal readonly ref struct WordSegment(SegmentKind kind, bool quoted, char c, ReadOnlySpan<char> name, ReadOnlySpan<char> raw)
{
    public SegmentKind Kind { get; } = kind;
    public bool Quoted { get; } = quoted;
    public char Char { get; } = c;
    public ReadOnlySpan<char> Name { get; } = name;
    public ReadOnlySpan<char> Raw { get; } = raw;

    /// <summary>"$@" and "${a[@]}" expand to several words even when quoted.</summary>
    public bool ManyWords => Raw.Contains('@');
}

/// <summary>
/// Reads a raw shell word (its source text, quotes included) piece by piece: what is literal, what is expanded at run
/// time and whether it was quoted. The parser has already checked the word is well formed; anything unexpected ends
/// the word as <see cref="SegmentKind.Unsupported"/>, which callers treat as unknown.
/// </summary>
internal ref struct WordLexer(ReadOnlySpan<char> raw)
{
    private readonly ReadOnlySpan<char> _raw = raw;
    private int _i;
    private bool _inDouble;
    private bool _inSingle;

    public bool Next(out WordSegment segment)
    {
        while (_i < _raw.Length)
        {
            var c = _raw[_i];
            if (_inSingle)
            {
                _i++;
                if (c == '\'')
                {
                    _inSingle = false;
                    continue;
                }

                segment = new WordSegment(SegmentKind.Literal, true, c, default, _raw.Slice(_i - 1, 1));
                return true;
            }

            if (c == '"')
            {
                _inDouble = !_inDouble;
                _i++;
                continue;
            }

            if (!_inDouble && c == '\'')
            {
                _inSingle = true;
                _i++;
                continue;
            }

            if (c == '\\')
            {
                if (_i + 1 >= _raw.Length)
                {
                    _i++;
                    segment = new WordSegment(SegmentKind.Literal, _inDouble, '\\', default, _raw.Slice(_i - 1, 1));
                    return true;
                }

                var next = _raw[_i + 1];
                if (next == '\n')
                {
                    _i += 2;
                    continue;
                }

                if (_inDouble && next is not ('$' or '`' or '"' or '\\'))
                {
                    _i++;
                    segment = new WordSegment(SegmentKind.Literal, true, '\\', default, _raw.Slice(_i - 1, 1));
                    return true;
                }

                _i += 2;
                segment = new WordSegment(SegmentKind.Literal, true, next, default, _raw.Slice(_i - 2, 2));
                return true;
            }

            if (c == '$')
            {
                return ReadDollar(out segment);
            }

            if (c == '`')
            {
                var close = _raw[(_i + 1)..].IndexOf('`');
                if (close < 0)
                {
                    return Unsupported(out segment);
                }

                var start = _i;
                _i += close + 2;
                segment = new WordSegment(SegmentKind.Expansion, _inDouble, '`', default, _raw[start.._i]);
                return true;
            }

            if (!_inDouble && c is '*' or '?' or '[')
            {
                var start = _i;
                _i++;
                if (c == '[')
                {
                    var close = _raw[_i..].IndexOf(']');
                    if (close < 0)
                    {
                        segment = new WordSegment(SegmentKind.Literal, false, '[', default, _raw.Slice(start, 1));
                        return true;
                    }

                    _i += close + 1;
                }

                segment = new WordSegment(SegmentKind.Glob, false, c, default, _raw[start.._i]);
                return true;
            }

            _i++;
            segment = new WordSegment(SegmentKind.Literal, _inDouble, c, default, _raw.Slice(_i - 1, 1));
            return true;
        }

        segment = default;
        return false;
    }

    private bool ReadDollar(out WordSegment segment)
    {
        var start = _i;
        var next = _i + 1 < _raw.Length ? _raw[_i + 1] : '\0';
        switch (next)
        {
            case '\'' when !_inDouble:
                return Unsupported(out segment);
            case '"' when !_inDouble:
                _i++;
                return Next(out segment);
            case '(':
                {
                    var arithmetic = _i + 2 < _raw.Length && _raw[_i + 2] == '(';
                    var end = SkipBalanced(_i + 1, '(', ')');
                    if (end < 0)
                    {
                        return Unsupported(out segment);
                    }

                    _i = end;
                    var body = _raw[start.._i];
                    segment = arithmetic && body.Length >= 6 && body[^2] == ')'
                        ? new WordSegment(SegmentKind.Arithmetic, _inDouble, '$', body[3..^2], body)
                        : new WordSegment(SegmentKind.Expansion, _inDouble, '$', default, body);
                    return true;
                }

            case '[':
                {
                    var end = SkipBalanced(_i + 1, '[', ']');
                    if (end < 0)
                    {
                        return Unsupported(out segment);
                    }

                    _i = end;
                    segment = new WordSegment(SegmentKind.Arithmetic, _inDouble, '$', _raw[(start + 2)..(_i - 1)], _raw[start.._i]);
                    return true;
                }

            case '{':
                {
                    var end = SkipBalanced(_i + 1, '{', '}');
                    if (end < 0)
                    {
                        return Unsupported(out segment);
                    }

                    _i = end;
                    var inner = _raw[(start + 2)..(_i - 1)];
                    var simple = inner.Length > 0 && IsName(inner);
                    segment = new WordSegment(simple ? SegmentKind.Variable : SegmentKind.Expansion, _inDouble, '$', simple ? inner : default, _raw[start.._i]);
                    return true;
                }

            default:
                if (next is '_' || char.IsAsciiLetter(next))
                {
                    _i += 2;
                    while (_i < _raw.Length && (_raw[_i] == '_' || char.IsAsciiLetterOrDigit(_raw[_i])))
                    {
                        _i++;
                    }

                    segment = new WordSegment(SegmentKind.Variable, _inDouble, '$', _raw[(start + 1).._i], _raw[start.._i]);
                    return true;
                }

                if (next is '@' or '*' or '#' or '?' or '$' or '!' or '-' || char.IsAsciiDigit(next))
                {
                    _i += 2;
                    segment = new WordSegment(SegmentKind.Expansion, _inDouble, '$', default, _raw[start.._i]);
                    return true;
                }

                _i++;
                segment = new WordSegment(SegmentKind.Literal, _inDouble, '$', default, _raw.Slice(start, 1));
                return true;
        }
    }

    /// <summary>Index after the bracket closing the one at <paramref name="open"/>, skipping quotes; -1 when unbalanced.</summary>
    private readonly int SkipBalanced(int open, char opening, char closing)
    {
        var depth = 0;
        for (var j = open; j < _raw.Length; j++)
        {
            var c = _raw[j];
            if (c == '\\')
            {
                j++;
            }
            else if (c == '\'' && opening != '[')
            {
                var close = _raw[(j + 1)..].IndexOf('\'');
                if (close < 0)
                {
                    return -1;
                }

                j += close + 1;
            }
            else if (c == opening)
            {
                depth++;
            }
            else if (c == closing && --depth == 0)
            {
                return j + 1;
            }
        }

        return -1;
    }

    private bool Unsupported(out WordSegment segment)
    {
        segment = new WordSegment(SegmentKind.Unsupported, _inDouble, '\0', default, _raw[_i..]);
        _i = _raw.Length;
        return true;
    }

    public static bool IsName(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !(text[0] == '_' || char.IsAsciiLetter(text[0])))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(c == '_' || char.IsAsciiLetterOrDigit(c)))
            {
                return false;
            }
        }

        return true;
    }
}
