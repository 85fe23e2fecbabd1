using System.Text;

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

    private readonly string _s;
    private readonly int _depthBase;
    private readonly bool _privileged;
    private readonly ShellParse _out;
    private List<(string Delimiter, bool Quoted, bool StripTabs)>? _pendingHeredocs;
    private StringBuilder? _word;
    private bool _wordBusy;
    private int _i;
    private int _depth;

    private ShellParser(string text, ShellParse output, int depth, bool privileged)
    {
        _s = text;
        _out = output;
        _depthBase = depth;
        _depth = depth;
        _privileged = privileged;
    }

    public static ShellParse Parse(string command)
    {
        var result = new ShellParse();
        if (command.Length > MaxLength)
        {
            result.Error = $"command longer than {MaxLength} characters";
            return result;
        }

        new ShellParser(command, result, 0, privileged: false).Run();
        return result;
    }

    /// <summary>Parses text that Bash itself would parse again (bash -c, eval, backticks) into the same result.</summary>
    internal void ParseNested(string text, bool privileged)
    {
        if (_depth + 1 > MaxDepth)
        {
            Fail("commands nested too deeply");
            return;
        }

        new ShellParser(text, _out, _depth + 1, privileged || _privileged).Run();
    }

    internal bool Privileged => _privileged;

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
            if (_i >= _s.Length)
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

            var c = _s[_i];
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
                    if (_i < _s.Length && (_s[_i] == c || (c == '|' && _s[_i] == '&') || (c == ';' && _s[_i] == '&')))
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

    private void ParseSimpleCommand()
    {
        var words = new List<ShellWord>();
        while (!Failed)
        {
            SkipBlanks();
            if (_i >= _s.Length)
            {
                break;
            }

            var c = _s[_i];
            if (c is '\n' or ';' or '|' or ')' || (c == '&' && Peek(1) != '>'))
            {
                break;
            }

            if (c == '(')
            {
                Fail("unexpected '(' (function definitions and arrays are not supported)");
                return;
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
                words.Add(new ShellWord(_s[start.._i], _s[start.._i], HasExpansion: true, HasGlob: false));
                continue;
            }

            if (TryParseRedirect())
            {
                continue;
            }

            words.Add(ReadWord());
        }

        if (!Failed && words.Count > 0)
        {
            CommandSimplifier.Add(this, words, _out, _privileged);
        }
    }

    private bool TryParseRedirect()
    {
        var j = _i;
        while (j < _s.Length && char.IsAsciiDigit(_s[j]))
        {
            j++;
        }

        if (j < _s.Length && _s[j] == '{' && j == _i)
        {
            // {varname}>file
            var close = _s.IndexOf('}', j);
            if (close > j && close + 1 < _s.Length && _s[close + 1] is '<' or '>')
            {
                j = close + 1;
            }
        }

        if (j >= _s.Length)
        {
            return false;
        }

        string op;
        var rest = _s.AsSpan(j);
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
            op = rest[..2].ToString();
            if (op == "><")
            {
                op = ">";
            }
        }
        else if (rest[0] is '<' or '>')
        {
            op = rest[..1].ToString();
        }
        else
        {
            return false;
        }

        _i = j + op.Length;
        SkipBlanks();
        if (_i >= _s.Length || _s[_i] is '\n' or ';' or '|' or '&' or '(' or ')' or '<' or '>')
        {
            Fail($"missing target for redirection '{op}'");
            return true;
        }

        var target = ReadWord();
        if (op is not ("<<" or "<<-" or "<<<" or "<&") && !(op == ">&" && IsFdTarget(target.Text)) && target.IsDynamic)
        {
            _out.HasDynamicRedirect = true; // "> $FILE": which file is only known at run time
        }

        switch (op)
        {
            case "<<" or "<<-":
                (_pendingHeredocs ??= []).Add((target.Text, target.Raw != target.Text || target.Raw.Contains('\\'), op == "<<-"));
                break;
            case "<<<":
                break;
            case ">&" or "<&":
                if (op == ">&" && !IsFdTarget(target.Text))
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

    private static bool IsFdTarget(string text)
    {
        var t = text.TrimEnd('-');
        return t.Length == 0 ? text == "-" : t.All(char.IsAsciiDigit);
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
        while (_i < _s.Length)
        {
            var c = _s[_i];
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
        var end = _s.IndexOf('\n', _i);
        _i = end < 0 ? _s.Length : end;
    }

    private char Peek(int offset) => _i + offset < _s.Length ? _s[_i + offset] : '\0';
}
