using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Words;

/// <summary>
/// Variables set to a literal earlier on the same command line (<c>F=-rf; rm $F /</c>), so deny and ask rules see
/// the value. Cheap on purpose: any later mention of the name as a bare word (<c>read F</c>, <c>unset F</c>,
/// <c>for F in</c>) or an assignment the engine cannot read forgets it. Words resolved this way stay unresolved for
/// allow rules, since a subshell or pipeline may not share the assignment.
/// </summary>
internal sealed class ShellConstants
{
    private static readonly string[] Declarers = ["export", "declare", "typeset", "local", "readonly"];

    private readonly List<(TextRange Name, TextRange Value)> _known = [];
    private ShellWord[] _rewritten = new ShellWord[16];
    private int _rewrittenCount;

    /// <summary>Arithmetic on a variable whose value is not a proven number: it can run code (<c>$((x))</c>).</summary>
    public TextRange RiskyArithmetic { get; set; } = TextRange.None;

    public int Count => _known.Count;

    public void Clear()
    {
        _known.Clear();
        RiskyArithmetic = TextRange.None;
        _rewrittenCount = 0;
    }

    /// <summary>Where rewritten words are kept until <see cref="Clear"/> (only appended to, so earlier spans stay valid).</summary>
    public int RewrittenCount
    {
        get => _rewrittenCount;
        set => _rewrittenCount = value;
    }

    public void PushRewritten(ShellWord word)
    {
        if (_rewrittenCount == _rewritten.Length)
        {
            Array.Resize(ref _rewritten, _rewritten.Length * 2);
        }

        _rewritten[_rewrittenCount++] = word;
    }

    public ReadOnlySpan<ShellWord> RewrittenFrom(int start) => _rewritten.AsSpan(start, _rewrittenCount - start);

    public bool TryGet(TextArena text, ReadOnlySpan<char> name, out TextRange value)
    {
        for (var i = _known.Count - 1; i >= 0; i--)
        {
            if (text[_known[i].Name].SequenceEqual(name))
            {
                value = _known[i].Value;
                return true;
            }
        }

        value = TextRange.None;
        return false;
    }

    /// <summary>The variable holds digits only (or is one the shell keeps numeric), so arithmetic on it runs nothing.</summary>
    public bool IsProvenNumber(TextArena text, ReadOnlySpan<char> name)
    {
        if (name is "RANDOM" or "SRANDOM" or "SECONDS" or "LINENO" or "BASHPID" or "PPID" or "EPOCHSECONDS" or "UID" or "EUID")
        {
            return true;
        }

        if (!TryGet(text, name, out var value))
        {
            return false;
        }

        var digits = text[value].Trim();
        if (digits.StartsWith('-'))
        {
            digits = digits[1..];
        }

        return !digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9');
    }

    public void Forget(TextArena text, ReadOnlySpan<char> name)
    {
        for (var i = _known.Count - 1; i >= 0; i--)
        {
            if (text[_known[i].Name].SequenceEqual(name))
            {
                _known.RemoveAt(i);
            }
        }
    }

    /// <summary>Learns from one simple command: bare words forget names; a command of assignments only records literals.</summary>
    public void Learn(ShellScan scan, ReadOnlySpan<ShellWord> words, bool topLevel)
    {
        var text = scan.Text;
        if (_known.Count > 0)
        {
            foreach (var word in words)
            {
                var w = text[word.Text];
                if (WordLexer.IsName(w))
                {
                    Forget(text, w);
                }
                else if (LeadingName(text[word.Raw]) is { Length: > 0 } name && text[word.Raw][name.Length..] is ['+', '=', ..] or ['[', ..])
                {
                    Forget(text, name); // F+=x, F[0]=x: no longer the literal we knew
                }
            }
        }

        if (!topLevel)
        {
            // (F=x) or $(F=x): the value does not reach later commands; forget what the assignment shadows.
            foreach (var word in words)
            {
                if (AssignedName(text[word.Raw]) is { Length: > 0 } shadowed)
                {
                    Forget(text, shadowed);
                }
            }

            return;
        }

        var first = 0;
        if (words.Length > 0 && IsDeclarer(text[words[0].Raw]))
        {
            first = 1;
        }

        if (first == 0)
        {
            foreach (var word in words)
            {
                if (AssignedName(text[word.Raw]).IsEmpty)
                {
                    return; // a command, not only assignments: its prefix assignments do not outlive it
                }
            }
        }

        for (var i = first; i < words.Length; i++)
        {
            var raw = text[words[i].Raw];
            var eq = AssignedName(raw).Length;
            if (eq == 0)
            {
                continue; // declare -x NAME=value: options and bare names
            }

            var nameRange = new TextRange(words[i].Raw.Start, eq);
            Forget(text, raw[..eq]);
            if (!words[i].IsDynamic)
            {
                // The word's text is "NAME=value" after quote removal.
                var unquoted = words[i].Text;
                var valueStart = text[unquoted].IndexOf('=') + 1;
                _known.Add((nameRange, new TextRange(unquoted.Start + valueStart, unquoted.Length - valueStart)));
            }
        }
    }

    private static ReadOnlySpan<char> LeadingName(ReadOnlySpan<char> raw)
    {
        var n = 0;
        while (n < raw.Length && (raw[n] == '_' || char.IsAsciiLetterOrDigit(raw[n])))
        {
            n++;
        }

        return WordLexer.IsName(raw[..n]) ? raw[..n] : [];
    }

    private static ReadOnlySpan<char> AssignedName(ReadOnlySpan<char> raw)
    {
        var eq = raw.IndexOf('=');
        return eq > 0 && WordLexer.IsName(raw[..eq]) ? raw[..eq] : [];
    }

    private static bool IsDeclarer(ReadOnlySpan<char> word)
    {
        foreach (var declarer in Declarers)
        {
            if (word.SequenceEqual(declarer))
            {
                return true;
            }
        }

        return false;
    }
}
