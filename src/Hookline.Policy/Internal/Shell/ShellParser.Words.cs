using System.Text;

namespace Hookline.Policy.Internal.Shell;

/// <summary>Words: quoting, escapes and the expansions whose commands run ($( ), backticks, ${ }, $(( )), heredocs).</summary>
internal sealed partial class ShellParser
{
    private ShellWord ReadWord()
    {
        var start = _i;

        // Fast path: a plain word (no quoting, expansion, glob or brace) is its own text.
        var j = _i;
        while (j < _len && IsPlainWordChar(S[j]))
        {
            j++;
        }

        if (j > _i && (j == _len || IsWordEnd(S[j])))
        {
            _i = j;
            var plain = new TextRange(_off + start, j - start);
            return new ShellWord(plain, plain, HasExpansion: false, HasGlob: false);
        }

        // The word is unquoted on the builder stack; substitutions inside it push (and pop) their own words above it.
        var sb = _out.WordBuilder;
        var mark = sb.Length;
        bool expansion = false, glob = false, braceOpen = false, braceList = false;
        while (_i < _len && !Failed)
        {
            var c = S[_i];
            if (c is ' ' or '\t' or '\n' or ';' or '&' or '|' or '(' or ')' or '<' or '>')
            {
                break;
            }

            switch (c)
            {
                case '\\':
                    if (Peek(1) == '\n')
                    {
                        _i += 2;
                    }
                    else if (_i + 1 < _len)
                    {
                        sb.Append(S[_i + 1]);
                        _i += 2;
                    }
                    else
                    {
                        _i++;
                    }

                    break;
                case '\'':
                    {
                        var close = IndexOf('\'', _i + 1);
                        if (close < 0)
                        {
                            Fail("unterminated single quote");
                            break;
                        }

                        sb.Append(S.Slice(_i + 1, close - _i - 1));
                        _i = close + 1;
                        break;
                    }

                case '"':
                    _i++;
                    expansion |= ReadDoubleQuoted(sb, untilEnd: false);
                    break;
                case '$':
                    expansion |= ReadDollar(sb);
                    break;
                case '`':
                    ReadBackticks(sb);
                    expansion = true;
                    break;
                case '*' or '?' or '[':
                    glob = true;
                    sb.Append(c);
                    _i++;
                    break;
                case '{':
                    braceOpen = true;
                    sb.Append(c);
                    _i++;
                    break;
                case ',' when braceOpen:
                    braceList = true;
                    sb.Append(c);
                    _i++;
                    break;
                case '.' when braceOpen && Peek(1) == '.':
                    braceList = true;
                    sb.Append(c);
                    _i++;
                    break;
                case '}' when braceOpen && braceList:
                    glob = true;
                    sb.Append(c);
                    _i++;
                    break;
                default:
                    sb.Append(c);
                    _i++;
                    break;
            }
        }

        var text = _out.Text.Append(sb.Chars.AsSpan(mark, sb.Length - mark));
        sb.Truncate(mark);
        return new ShellWord(text, new TextRange(_off + start, Math.Min(_i, _len) - start), expansion, glob);
    }

    private static bool IsWordEnd(char c) => c is ' ' or '\t' or '\n' or ';' or '&' or '|' or '(' or ')' or '<' or '>';

    private static bool IsPlainWordChar(char c) =>
        !IsWordEnd(c) && c is not ('\\' or '\'' or '"' or '$' or '`' or '*' or '?' or '[' or '{' or '}' or '\r');

    /// <summary>Reads after an opening double quote (or a whole heredoc body when <paramref name="untilEnd"/>). Returns true when it held an expansion.</summary>
    private bool ReadDoubleQuoted(TextArena sb, bool untilEnd)
    {
        var expansion = false;
        while (!Failed)
        {
            if (_i >= _len)
            {
                if (!untilEnd)
                {
                    Fail("unterminated double quote");
                }

                return expansion;
            }

            var c = S[_i];
            switch (c)
            {
                case '"' when !untilEnd:
                    _i++;
                    return expansion;
                case '\\':
                    var next = Peek(1);
                    if (next == '\n')
                    {
                        _i += 2;
                    }
                    else if (next is '$' or '`' or '"' or '\\')
                    {
                        sb.Append(next);
                        _i += 2;
                    }
                    else
                    {
                        sb.Append(c);
                        _i++;
                    }

                    break;
                case '$' when Peek(1) is not '\'' and not '"':
                    expansion |= ReadDollar(sb);
                    break;
                case '`':
                    ReadBackticks(sb);
                    expansion = true;
                    break;
                default:
                    sb.Append(c);
                    _i++;
                    break;
            }
        }

        return expansion;
    }

    /// <summary>At a '$'. Appends what the word keeps and returns true for a run-time expansion.</summary>
    private bool ReadDollar(TextArena sb)
    {
        var start = _i;
        var next = Peek(1);
        switch (next)
        {
            case '\'':
                _i += 2;
                return ReadAnsiC(sb);
            case '"':
                _i += 2;
                return ReadDoubleQuoted(sb, untilEnd: false);
            case '(':
                if (Peek(2) == '(' && IsArithmetic(_i + 3))
                {
                    _i += 3;
                    ScanArithmetic(depth: 2);
                }
                else
                {
                    _i += 2;
                    Enter();
                    ParseList(')');
                    Leave();
                }

                sb.Append(S[start.._i]);
                return true;
            case '{':
                _i += 2;
                ScanParameterExpansion();
                sb.Append(S[start.._i]);
                return true;
            default:
                if (next is '_' or '@' or '*' or '#' or '?' or '$' or '!' or '-' || char.IsAsciiLetterOrDigit(next))
                {
                    _i += 2;
                    if (next is '_' || char.IsAsciiLetter(next))
                    {
                        while (_i < _len && (S[_i] == '_' || char.IsAsciiLetterOrDigit(S[_i])))
                        {
                            _i++;
                        }
                    }

                    sb.Append(S[start.._i]);
                    return true;
                }

                sb.Append('$');
                _i++;
                return false;
        }
    }

    /// <summary>$'...' with C escapes decoded, so <c>$'\x72\x6d'</c> is seen as <c>rm</c>.</summary>
    private bool ReadAnsiC(TextArena sb)
    {
        while (_i < _len)
        {
            var c = S[_i];
            if (c == '\'')
            {
                _i++;
                return false;
            }

            if (c != '\\' || _i + 1 >= _len)
            {
                sb.Append(c);
                _i++;
                continue;
            }

            var e = S[_i + 1];
            _i += 2;
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case 'e' or 'E': sb.Append('\u001b'); break;
                case 'x': sb.Append((char)ReadNumber(16, 2)); break;
                case 'u': AppendCodePoint(sb, ReadNumber(16, 4)); break;
                case 'U': AppendCodePoint(sb, ReadNumber(16, 8)); break;
                case 'c' when _i < _len: sb.Append((char)(S[_i++] & 0x1f)); break;
                case >= '0' and <= '7':
                    _i--;
                    sb.Append((char)(ReadNumber(8, 3) & 0xff));
                    break;
                default: sb.Append(e); break;
            }
        }

        Fail("unterminated $'...' quote");
        return false;
    }

    private static void AppendCodePoint(TextArena sb, int codePoint)
    {
        if (codePoint is < 0 or > 0x10FFFF or (>= 0xD800 and <= 0xDFFF))
        {
            codePoint = 0xFFFD;
        }

        Span<char> utf16 = stackalloc char[2];
        sb.Append(utf16[..new Rune(codePoint).EncodeToUtf16(utf16)]);
    }

    private int ReadNumber(int radix, int maxDigits)
    {
        var value = 0;
        var n = 0;
        while (n < maxDigits && _i < _len)
        {
            var ch = S[_i];
            var d = radix == 16 ? (char.IsAsciiHexDigit(ch) ? HexValue(ch) : -1)
                : ch is >= '0' and <= '7' ? ch - '0' : -1;
            if (d < 0)
            {
                break;
            }

            value = value * radix + d;
            _i++;
            n++;
        }

        return value;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>At the character after an opening backtick: the content, unescaped, is parsed as commands.</summary>
    private void ReadBackticks(TextArena sb)
    {
        var start = _i;
        _i++;
        var text = _out.Text;
        var innerStart = text.Length;
        while (_i < _len && S[_i] != '`')
        {
            if (S[_i] == '\\' && _i + 1 < _len && S[_i + 1] is '`' or '\\' or '$')
            {
                text.Append(S[_i + 1]);
                _i += 2;
                continue;
            }

            text.Append(S[_i]);
            _i++;
        }

        var inner = text.From(innerStart);

        if (_i >= _len)
        {
            Fail("unterminated backquote");
            return;
        }

        _i++;
        sb.Append(S[start.._i]);
        ParseNested(inner, privileged: false);
    }

    /// <summary>Bash reads "$((" as arithmetic only when it closes with "))"; "$((cmd); x)" is a command substitution.</summary>
    private bool IsArithmetic(int from)
    {
        var depth = 2;
        for (var j = from; j < _len; j++)
        {
            if (S[j] == '(')
            {
                depth++;
            }
            else if (S[j] == ')' && --depth == 1)
            {
                return j + 1 < _len && S[j + 1] == ')';
            }
        }

        return false;
    }

    /// <summary>Inside $(( )) or (( )): skip the arithmetic, but parse any command substitution in it.</summary>
    private void ScanArithmetic(int depth)
    {
        while (_i < _len && !Failed)
        {
            var c = S[_i];
            if (c == '$' && Peek(1) == '(' && Peek(2) != '(')
            {
                _i += 2;
                Enter();
                ParseList(')');
                Leave();
                continue;
            }

            if (c == '`')
            {
                Discard(static (p, sb) => p.ReadBackticks(sb));
                continue;
            }

            _i++;
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && --depth == 0)
            {
                return;
            }
        }

        Fail("unterminated arithmetic expression");
    }

    /// <summary>Inside ${ }: skip to the matching brace, parsing any substitution in it.</summary>
    private void ScanParameterExpansion()
    {
        var depth = 1;
        while (_i < _len && !Failed)
        {
            var c = S[_i];
            switch (c)
            {
                case '\\':
                    _i = Math.Min(_i + 2, _len);
                    continue;
                case '\'':
                    var close = IndexOf('\'', _i + 1);
                    if (close < 0)
                    {
                        Fail("unterminated single quote");
                        return;
                    }

                    _i = close + 1;
                    continue;
                case '"':
                    _i++;
                    Discard(static (p, sb) => p.ReadDoubleQuoted(sb, untilEnd: false));
                    continue;
                case '$':
                    if (Peek(1) == '{')
                    {
                        depth++;
                        _i += 2;
                        continue;
                    }

                    Discard(static (p, sb) => p.ReadDollar(sb));
                    continue;
                case '`':
                    Discard(static (p, sb) => p.ReadBackticks(sb));
                    continue;
                case '}':
                    _i++;
                    if (--depth == 0)
                    {
                        return;
                    }

                    continue;
                default:
                    _i++;
                    continue;
            }
        }

        if (!Failed)
        {
            Fail("unterminated ${...}");
        }
    }

    /// <summary>Reads something whose text is not kept (the commands inside it are still collected).</summary>
    private void Discard(Action<ShellParser, TextArena> read)
    {
        var sb = _out.WordBuilder;
        var mark = sb.Length;
        read(this, sb);
        sb.Truncate(mark);
    }

    private void ReadHeredocBodies()
    {
        if (_pendingHeredocs.Count == 0)
        {
            return;
        }

        var index = -1;
        foreach (var (delimiter, quoted, stripTabs) in _pendingHeredocs)
        {
            index++;
            var bodyStart = _i;
            var bodyEnd = _len;
            while (_i < _len)
            {
                var lineEnd = IndexOf('\n', _i);
                var line = S.Slice(_i, (lineEnd < 0 ? _len : lineEnd) - _i);
                if (stripTabs)
                {
                    line = line.TrimStart('\t');
                }

                if (line.SequenceEqual(_out[delimiter]))
                {
                    bodyEnd = _i;
                    _i = lineEnd < 0 ? _len : lineEnd + 1;
                    break;
                }

                _i = lineEnd < 0 ? _len : lineEnd + 1;
            }

            if (index == _programHeredoc && bodyEnd > bodyStart)
            {
                ParseNested(new TextRange(_off + bodyStart, bodyEnd - bodyStart), _privileged); // "bash <<EOF": the body is the program
            }

            if (!quoted && bodyEnd > bodyStart)
            {
                // An unquoted heredoc expands $(...) and backticks: those run.
                var body = _out.RentParser();
                try
                {
                    body.Init(new TextRange(_off + bodyStart, bodyEnd - bodyStart), _depth + 1, _privileged);
                    body.Discard(static (p, sb) => p.ReadDoubleQuoted(sb, untilEnd: true));
                }
                finally
                {
                    _out.ReturnParser();
                }
            }
        }

        _pendingHeredocs.Clear();
        _programHeredoc = -1;
    }
}
