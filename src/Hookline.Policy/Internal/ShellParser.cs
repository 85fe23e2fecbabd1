namespace Hookline.Policy.Internal;

/// <summary>
/// Splits a Bash command line into simple commands the way Bash would run them: operators, subshells, groups,
/// command and process substitutions, heredocs, quoting and escapes. Whatever it cannot follow is an error,
/// never a guess, so the caller can fall back to "ask".
/// </summary>
internal sealed partial class ShellParser
{
    public const int MaxLength = 10_000;
    private const int MaxDepth = 24;
    private const int MaxCommands = 2_000;

    private readonly ShellScan _out;
    private readonly List<(TextRange Delimiter, bool Quoted, bool StripTabs)> _pendingHeredocs = [];
    private char[] _src = [];
    private int _off;
    private int _len;
    private int _depthBase;
    private bool _privileged;
    private int _i;
    private int _depth;

    internal ShellParser(ShellScan output)
    {
        _out = output;
    }

    /// <summary>The text being parsed (a range of the scan's text; an older copy of the buffer holds the same chars).</summary>
    private ReadOnlySpan<char> S => new(_src, _off, _len);

    /// <summary>Parses a command into strings (explanations and tests).</summary>
    public static ShellParse Parse(string command)
    {
        var scan = new ShellScan(new TextArena());
        Scan(scan, scan.Text.Append(command));
        return ShellParse.From(scan);
    }

    /// <summary>Parses the command held in <paramref name="command"/> of the scan's text into the (reset) scan.</summary>
    public static void Scan(ShellScan scan, TextRange command)
    {
        if (command.Length > MaxLength)
        {
            scan.Error = $"command longer than {MaxLength} characters";
            return;
        }

        RunNested(scan, command, 0, privileged: false);
    }

    private static void RunNested(ShellScan scan, TextRange text, int depth, bool privileged)
    {
        var parser = scan.RentParser();
        try
        {
            parser.Init(text, depth, privileged);
            parser.Run();
        }
        finally
        {
            scan.ReturnParser();
        }
    }

    private void Init(TextRange text, int depth, bool privileged)
    {
        _src = _out.Text.Chars;
        _off = text.Start;
        _len = text.Length;
        _depthBase = depth;
        _depth = depth;
        _privileged = privileged;
        _i = 0;
        _pendingHeredocs.Clear();
    }

    /// <summary>Parses text that Bash itself would parse again (bash -c, eval, backticks) into the same result.</summary>
    internal void ParseNested(TextRange text, bool privileged)
    {
        if (_depth + 1 > MaxDepth)
        {
            Fail("commands nested too deeply");
            return;
        }

        RunNested(_out, text, _depth + 1, privileged || _privileged);
    }

    internal bool Privileged => _privileged;

    internal ShellScan Output => _out;

    internal void Fail(string message) => _out.Error ??= message;

    private bool Failed => _out.Error is not null;

    private void Run()
    {
        if (_depthBase > MaxDepth)
        {
            Fail("commands nested too deeply");
            return;
        }

        ParseList(terminator: null);
    }

    private void ParseList(char? terminator)
    {
        while (!Failed)
        {
            SkipBlanks();
            if (_i >= _len)
            {
                if (terminator is not null)
                {
                    Fail($"missing '{terminator}'");
                }

                if (_pendingHeredocs is { Count: > 0 })
                {
                    ReadHeredocBodies();
                }

                return;
            }

            var c = S[_i];
            if (terminator is not null && c == terminator)
            {
                _i++;
                return;
            }

            switch (c)
            {
                case '\n':
                    _i++;
                    ReadHeredocBodies();
                    continue;
                case ';' or '&' or '|' when !(c == '&' && Peek(1) == '>'):
                    _i++;
                    if (_i < _len && (S[_i] == c || (c == '|' && S[_i] == '&') || (c == ';' && S[_i] == '&')))
                    {
                        _i++;
                    }

                    continue;
                case '#':
                    SkipComment();
                    continue;
                case ')':
                    Fail("unexpected ')'");
                    return;
                case '(':
                    // Also "((...))": Bash reparses it as nested subshells when it is not arithmetic, so commands are the safe reading.
                    _i++;
                    Enter();
                    ParseList(')');
                    Leave();
                    continue;
                default:
                    ParseSimpleCommand();
                    continue;
            }
        }
    }

    private bool OnlyReservedWordsSince(int wordBase)
    {
        foreach (var word in _out.WordsFrom(wordBase))
        {
            var raw = _out[word.Raw];
            if (word.IsDynamic || !raw.SequenceEqual(_out[word.Text]) || raw is not ("do" or "then" or "else" or "!" or "{" or "if" or "while" or "until" or "elif"))
            {
                return false;
            }
        }

        return true;
    }

    private void ParseSimpleCommand()
    {
        var wordBase = _out.WordTop;
        while (!Failed)
        {
            SkipBlanks();
            if (_i >= _len)
            {
                break;
            }

            var c = S[_i];
            if (c is '\n' or ';' or '|' or ')' || (c == '&' && Peek(1) != '>'))
            {
                break;
            }

            if (c == '(')
            {
                if (!OnlyReservedWordsSince(wordBase))
                {
                    Fail("unexpected '(' (function definitions and arrays are not supported)");
                    return;
                }

                // "do ( ... )", "then ( ... )", "! ( ... )": the reserved words run nothing; the subshell is a list.
                _out.WordTop = wordBase;
                _i++;
                Enter();
                ParseList(')');
                Leave();
                continue;
            }

            if (c == '#')
            {
                SkipComment();
                break;
            }

            if (c is '<' or '>' && Peek(1) == '(')
            {
                // Process substitution: an argument whose commands run.
                var start = _i;
                _i += 2;
                Enter();
                ParseList(')');
                Leave();
                var raw = new TextRange(_off + start, _i - start);
                _out.PushWord(new ShellWord(raw, raw, HasExpansion: true, HasGlob: false));
                continue;
            }

            if (TryParseRedirect())
            {
                continue;
            }

            _out.PushWord(ReadWord());
        }

        if (!Failed && _out.WordTop > wordBase)
        {
            CommandSimplifier.Add(this, _out.WordsFrom(wordBase), _privileged);
        }

        _out.WordTop = wordBase;
    }

    private bool TryParseRedirect()
    {
        var j = _i;
        while (j < _len && char.IsAsciiDigit(S[j]))
        {
            j++;
        }

        if (j < _len && S[j] == '{' && j == _i)
        {
            // {varname}>file
            var close = IndexOf('}', j);
            if (close > j && close + 1 < _len && S[close + 1] is '<' or '>')
            {
                j = close + 1;
            }
        }

        if (j >= _len)
        {
            return false;
        }

        string op;
        var rest = S[j..];
        if (j == _i && rest.StartsWith("&>>"))
        {
            op = "&>>";
        }
        else if (j == _i && rest.StartsWith("&>"))
        {
            op = "&>";
        }
        else if (rest.StartsWith("<<<"))
        {
            op = "<<<";
        }
        else if (rest.StartsWith("<<-"))
        {
            op = "<<-";
        }
        else if (rest.Length >= 2 && rest[0] is '<' or '>' && rest[1] is '<' or '>' or '&' or '|')
        {
            op = (rest[0], rest[1]) switch
            {
                ('<', '<') => "<<",
                ('<', '>') => "<>",
                ('<', '&') => "<&",
                ('<', '|') => "<|",
                ('>', '>') => ">>",
                ('>', '<') => ">", // "><" is read as ">"
                ('>', '&') => ">&",
                _ => ">|",
            };
        }
        else if (rest[0] is '<' or '>')
        {
            op = rest[0] == '<' ? "<" : ">";
        }
        else
        {
            return false;
        }

        _i = j + op.Length;
        SkipBlanks();
        if (_i >= _len || S[_i] is '\n' or ';' or '|' or '&' or '(' or ')' or '<' or '>')
        {
            Fail($"missing target for redirection '{op}'");
            return true;
        }

        var target = ReadWord();
        var targetText = _out[target.Text];
        if (op is not ("<<" or "<<-" or "<<<" or "<&") && !(op == ">&" && IsFdTarget(targetText)) && target.IsDynamic)
        {
            _out.HasDynamicRedirect = true; // "> $FILE": which file is only known at run time
        }

        switch (op)
        {
            case "<<" or "<<-":
                var rawTarget = _out[target.Raw];
                _pendingHeredocs.Add((target.Text, !rawTarget.SequenceEqual(targetText) || rawTarget.Contains('\\'), op == "<<-"));
                break;
            case "<<<":
                break;
            case ">&" or "<&":
                if (op == ">&" && !IsFdTarget(targetText))
                {
                    _out.WriteTargets.Add(target.Text);
                }

                break;
            case "<":
                _out.ReadTargets.Add(target.Text);
                break;
            case "<>":
                _out.ReadTargets.Add(target.Text);
                _out.WriteTargets.Add(target.Text);
                break;
            default:
                _out.WriteTargets.Add(target.Text);
                break;
        }

        return true;
    }

    private static bool IsFdTarget(ReadOnlySpan<char> text)
    {
        var t = text.TrimEnd('-');
        foreach (var c in t)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return t.Length > 0 || text is "-";
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            Fail("commands nested too deeply");
        }

        if (_out.Commands.Count > MaxCommands)
        {
            Fail("too many commands");
        }
    }

    private void Leave() => _depth--;

    private void SkipBlanks()
    {
        while (_i < _len)
        {
            var c = S[_i];
            if (c is ' ' or '\t' or '\r')
            {
                _i++;
            }
            else if (c == '\\' && Peek(1) == '\n')
            {
                _i += 2;
            }
            else
            {
                break;
            }
        }
    }

    private void SkipComment()
    {
        var end = IndexOf('\n', _i);
        _i = end < 0 ? _len : end;
    }

    private char Peek(int offset) => _i + offset < _len ? S[_i + offset] : '\0';

    /// <summary>Index of <paramref name="c"/> at or after <paramref name="from"/>, or -1.</summary>
    private int IndexOf(char c, int from)
    {
        var at = S[from..].IndexOf(c);
        return at < 0 ? -1 : at + from;
    }
}
