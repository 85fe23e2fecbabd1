using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Options;

/// <summary>
/// One thing the reader found: an operand, or an option (or short bundle) with the bits it sets and, when it took an
/// argument, where that value is (words <see cref="ValueWord"/> to <see cref="ValueEnd"/>, the first from
/// <see cref="ValueOffset"/>).
/// </summary>
/// <param name="Bits">Everything it sets, implications included (<c>--mirror</c> also forces).</param>
/// <param name="Own">The options as written, without implications: what a pattern requires.</param>
internal readonly record struct OptionItem(ulong Bits, ulong Own, OptionDef? Valued, int ValueWord, int ValueOffset, int ValueEnd, bool IsOperand, bool IsUnknown)
{
    public static OptionItem Operand(ulong bits, int word) => new(bits, 0, null, word, 0, word + 1, true, false);

    public static OptionItem Unknown(ulong bits) => new(bits, 0, null, -1, 0, -1, false, true);

    public static OptionItem Flag(ulong bits, ulong own) => new(bits, own, null, -1, 0, -1, false, false);
}

/// <summary>
/// Reads a command's arguments (after its name, and git's subcommand) the way its own option parser does, without
/// allocating: the same reader runs on a pattern's words at compile time and on every sub-command at evaluation time.
/// </summary>
internal ref struct OptionReader(OptionGrammar grammar, TextArena text, ReadOnlySpan<ShellWord> words)
{
    private readonly ReadOnlySpan<ShellWord> _words = words;
    private int _next;
    private bool _operandsOnly;
    private int _findPhase;

    /// <summary>How many words have been read (the last item ended just before this one).</summary>
    public readonly int Position => _next;

    public bool Next(out OptionItem item)
    {
        while (_next < _words.Length)
        {
            var at = _next++;
            var word = text[_words[at].Text];
            var found = grammar.Style switch
            {
                GrammarStyle.Dd => ReadDd(at, word, out item),
                GrammarStyle.Find => ReadFind(at, word, out item),
                _ => ReadGetopt(at, word, out item),
            };
            if (found)
            {
                return true;
            }
        }

        item = default;
        return false;
    }

    /// <summary>The text of an option's value; several words (find's <c>-exec</c> body) are joined into <paramref name="scratch"/>.</summary>
    public static ReadOnlySpan<char> Value(in OptionItem item, TextArena text, ReadOnlySpan<ShellWord> words, TextArena scratch)
    {
        if (item.ValueEnd == item.ValueWord + 1)
        {
            return text[words[item.ValueWord].Text][item.ValueOffset..];
        }

        var start = scratch.Length;
        for (var i = item.ValueWord; i < item.ValueEnd; i++)
        {
            if (i > item.ValueWord)
            {
                scratch.Append(' ');
            }

            scratch.Append(text[words[i].Text]);
        }

        return scratch[scratch.From(start)];
    }

    private bool ReadGetopt(int at, ReadOnlySpan<char> word, out OptionItem item)
    {
        item = default;
        if (_operandsOnly || word.Length < 2 || word[0] != '-')
        {
            item = OptionItem.Operand(grammar.OperandBits(word), at);
            return true;
        }

        if (word is "--")
        {
            _operandsOnly = true;
            return false;
        }

        if (word[1] == '-')
        {
            var body = word[2..];
            var eq = body.IndexOf('=');
            var bits = grammar.ResolveLong(eq < 0 ? body : body[..eq], out var def);
            if (def is null)
            {
                item = OptionItem.Unknown(bits); // unknown, or an ambiguous abbreviation
                return true;
            }

            if (eq >= 0)
            {
                item = Valued(bits, 1UL << def.Bit, def, at, 2 + eq + 1, at + 1);
            }
            else if (def.Arg == ArgKind.Required && _next < _words.Length)
            {
                item = Valued(bits, 1UL << def.Bit, def, _next, 0, ++_next);
            }
            else
            {
                item = OptionItem.Flag(bits, 1UL << def.Bit);
            }

            return true;
        }

        // A bundle: -rfv, -uf, -ovalue, -o value.
        ulong bundle = 0, own = 0;
        var unknown = false;
        for (var j = 1; j < word.Length; j++)
        {
            var def = grammar.Short(word[j]);
            if (def is null)
            {
                unknown = true;
                continue;
            }

            bundle |= def.Sets;
            own |= 1UL << def.Bit;
            if (def.Arg is ArgKind.Required or ArgKind.Optional && j + 1 < word.Length)
            {
                item = Valued(bundle, own, def, at, j + 1, at + 1) with { IsUnknown = unknown };
                return true;
            }

            if (def.Arg == ArgKind.Required && _next < _words.Length)
            {
                item = Valued(bundle, own, def, _next, 0, ++_next) with { IsUnknown = unknown };
                return true;
            }
        }

        item = OptionItem.Flag(bundle, own) with { IsUnknown = unknown };
        return true;
    }

    private OptionItem Valued(ulong bits, ulong own, OptionDef def, int word, int offset, int end)
    {
        if (def.ValueImplies is { } implies && end == word + 1)
        {
            var value = text[_words[word].Text][offset..];
            foreach (var candidate in implies.Values)
            {
                // argmatch takes any unambiguous abbreviation; every listed value means the same here.
                if (value.Length > 0 && candidate.AsSpan().StartsWith(value))
                {
                    bits |= implies.Bits;
                    break;
                }
            }
        }

        return new OptionItem(bits, own, def, word, offset, end, false, false);
    }

    private bool ReadDd(int at, ReadOnlySpan<char> word, out OptionItem item)
    {
        var eq = word.IndexOf('=');
        if (eq <= 0)
        {
            item = OptionItem.Operand(0, at);
            return true;
        }

        var def = grammar.Exact(word[..eq]);
        item = def is null ? OptionItem.Unknown(0) : new OptionItem(def.Sets, 1UL << def.Bit, def, at, eq + 1, at + 1, false, false);
        return true;
    }

    private bool ReadFind(int at, ReadOnlySpan<char> word, out OptionItem item)
    {
        item = default;
        if (_findPhase == 0)
        {
            if (word is "-H" or "-L" or "-P" || word.StartsWith("-O"))
            {
                return false;
            }

            if (word is "-D")
            {
                _next++;
                return false;
            }

            _findPhase = 1;
        }

        if (_findPhase == 1)
        {
            if (word.Length > 0 && word[0] != '-' && word is not ("(" or "!"))
            {
                item = OptionItem.Operand(0, at);
                return true;
            }

            _findPhase = 2;
        }

        if (word is "(" or ")" or "!" or "," or "-o" or "-a" or "-not" or "-and" or "-or" || word.Length < 2 || word[0] != '-')
        {
            return false; // operators, and the second argument of -fprintf
        }

        var def = grammar.Exact(word);
        if (def is null)
        {
            item = OptionItem.Unknown(0);
            return true;
        }

        if (def.Arg == ArgKind.Required && _next < _words.Length)
        {
            item = new OptionItem(def.Sets, 1UL << def.Bit, def, _next, 0, ++_next, false, false);
        }
        else if (def.Arg == ArgKind.UntilTerminator)
        {
            var end = _next;
            while (end < _words.Length && text[_words[end].Text] is not (";" or "+"))
            {
                end++;
            }

            item = new OptionItem(def.Sets, 1UL << def.Bit, end > _next ? def : null, _next, 0, end, false, false);
            _next = Math.Min(end + 1, _words.Length);
        }
        else
        {
            item = OptionItem.Flag(def.Sets, 1UL << def.Bit);
        }

        return true;
    }
}
