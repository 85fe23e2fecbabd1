using Hookline.Policy.Internal.Runners;

namespace Hookline.Policy.Internal.Shell;

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

    /// <summary>
    /// Total work one command line may cost: every command read and every text parsed again (aliases, git aliases,
    /// bash -c, eval) counts, so expansions that call each other twice cannot grow exponentially; past it, unparsable.
    /// </summary>
    internal const int MaxWork = 20_000;

    private readonly ShellScan _out;
    private readonly List<(TextRange Delimiter, bool Quoted, bool StripTabs)> _pendingHeredocs = [];
    private int _programHeredoc = -1;
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
        if (scan.Error is null && FileArguments.CdPath.TooManyBases(scan, scan[command]))
        {
            scan.Error = $"CDPATH times cd gives more than {FileArguments.CdPath.MaxBases} directories";
        }
    }

    private static void RunNested(ShellScan scan, TextRange text, int depth, bool privileged, StdinSource stdin = default)
    {
        var parser = scan.RentParser();
        try
        {
            parser.Init(text, depth, privileged);
            parser.Stdin = stdin;
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
        _programHeredoc = -1;
        Stdin = default;
    }

    /// <summary>Parses text that Bash itself would parse again (bash -c, eval, backticks) into the same result.</summary>
    internal void ParseNested(TextRange text, bool privileged)
    {
        if (_depth + 1 > MaxDepth)
        {
            Fail("commands nested too deeply");
            return;
        }

        if (!Spend(1 + (text.Length / 16)))
        {
            return;
        }

        RunNested(_out, text, _depth + 1, privileged || _privileged, Stdin);
    }

    internal bool Privileged => _privileged;

    /// <summary>Where the simple command being read takes its standard input from.</summary>
    internal StdinSource Stdin { get; private set; }

    /// <summary>The heredoc feeding the current command is a program (<c>bash &lt;&lt;EOF</c>): its body is parsed as commands.</summary>
    internal void MarkHeredocAsProgram(int index) => _programHeredoc = index;
    /// <summary>Not inside a subshell, substitution or nested shell body: an assignment here outlives its command.</summary>
    internal bool AtTopLevel => _depth == 0;

    internal ShellScan Output => _out;

    internal void Fail(string message) => _out.Error ??= message;

    /// <summary>Counts work against <see cref="MaxWork"/>; false (and the parse failed) once the line has spent it.</summary>
    private bool Spend(int units)
    {
        _out.Work += units;
        if (_out.Work <= MaxWork)
        {
            return !Failed;
        }

        Fail($"expansion too large (more than {MaxWork} commands and re-read texts)");
        return false;
    }

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
        // A piped subshell passes its input on to the commands inside; each element after '|' reads the pipe.
        var inherited = Stdin;
        var pipeline = new PipelineReader(_out);
        try
        {
            ParseElements(terminator, inherited, ref pipeline);
        }
        finally
        {
            pipeline.End();
            Stdin = inherited;
        }
    }

    private void ParseElements(char? terminator, StdinSource inherited, ref PipelineReader pipeline)
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
                    pipeline.End();
                    ReadHeredocBodies();
                    continue;
                case ';' or '&' or '|' when !(c == '&' && Peek(1) == '>'):
                    _i++;
                    var piped = c == '|' && (_i >= _len || S[_i] != '|');
                    if (_i < _len && (S[_i] == c || (c == '|' && S[_i] == '&') || (c == ';' && S[_i] == '&')))
                    {
                        _i++;
                    }

                    if (piped)
                    {
                        pipeline.Pipe();
                    }
                    else
                    {
                        pipeline.End();
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
                    Stdin = pipeline.StdinFor(inherited);
                    Enter();
                    ParseList(')');
                    Leave();
                    pipeline.Element(-1);
                    continue;
                default:
                    Stdin = pipeline.StdinFor(inherited);
                    var before = _out.Commands.Count;
                    ParseSimpleCommand();
                    pipeline.Element(_out.Commands.Count > before ? _out.Commands.Count - 1 : -1);
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
                if (IsFunctionHeader(wordBase, out var bodyAt))
                {
                    // "f() { body; }": the body that follows is read as commands, as if it ran (it runs when f is called).
                    _i = bodyAt;
                    _out.WordTop = wordBase;
                    return;
                }

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
                Stdin = new StdinSource(StdinKind.Heredoc, target, _pendingHeredocs.Count);
                var rawTarget = _out[target.Raw];
                _pendingHeredocs.Add((target.Text, !rawTarget.SequenceEqual(targetText) || rawTarget.Contains('\\'), op == "<<-"));
                break;
            case "<<<":
                Stdin = new StdinSource(StdinKind.HereString, target);
                break;
            case ">&" or "<&":
                if (op == ">&" && !IsFdTarget(targetText))
                {
                    _out.WriteTargets.Add(target.Text);
                }

                break;
            case "<":
                Stdin = new StdinSource(StdinKind.File, target);
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

    /// <summary>"name ()" or "function name ()" so far, with "()" next.</summary>
    private bool IsFunctionHeader(int wordBase, out int bodyAt)
    {
        var words = _out.WordsFrom(wordBase);
        var named = words.Length == 1 || (words.Length == 2 && _out[words[0].Raw] is "function");
        var j = _i + 1;
        while (j < _len && S[j] is ' ' or '\t')
        {
            j++;
        }

        bodyAt = j + 1;
        return named && !words[^1].IsDynamic && j < _len && S[j] == ')';
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

        Spend(1);
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
