namespace Hookline.Policy.Internal.Options;

/// <summary>How a command reads its arguments.</summary>
internal enum GrammarStyle
{
    /// <summary>getopt_long / git parse-options: short bundles, long options with unique-prefix abbreviation,
    /// <c>--</c> ends the options, options may follow operands (GNU permutation).</summary>
    Getopt,

    /// <summary>dd: every argument is <c>key=value</c>, in any order.</summary>
    Dd,

    /// <summary>find: leading options, starting points, then an expression of primaries.</summary>
    Find,
}

internal enum ArgKind
{
    None,
    Required,

    /// <summary>Only as <c>--name=value</c> (or glued to a short option).</summary>
    Optional,

    /// <summary>find's <c>-exec</c>: every word up to <c>;</c> or <c>+</c>.</summary>
    UntilTerminator,
}

/// <summary>One option of a grammar: its bit, its spellings and what it implies.</summary>
internal sealed class OptionDef(int bit, string shorts, string[] longs, ArgKind arg)
{
    public int Bit { get; } = bit;
    public string Shorts { get; } = shorts;
    public string[] Longs { get; } = longs;
    public ArgKind Arg { get; } = arg;

    /// <summary>Its own bit and the bits of the options it implies (<c>--mirror</c> forces).</summary>
    public ulong Sets { get; set; } = 1UL << bit;

    /// <summary>Values of its argument that imply more (<c>--interactive=never</c> is force).</summary>
    public (string[] Values, ulong Bits)? ValueImplies { get; set; }
}

/// <summary>
/// The option grammar of one high-risk command (or git subcommand), built once: which words are options, which take
/// arguments, and which bits a spelling sets. Data, not code: <see cref="OptionGrammars"/> lists them.
/// </summary>
internal sealed class OptionGrammar
{
    private readonly OptionDef?[] _short = new OptionDef?[128];
    private readonly Dictionary<string, OptionDef> _long = new(StringComparer.Ordinal);
    private readonly List<(char Prefix, ulong Bits)> _operandPrefixes = [];

    /// <param name="specs">
    /// One option each: <c>"rR|recursive"</c> is <c>-r</c>, <c>-R</c> and <c>--recursive</c>; <c>"|force-with-lease=?"</c> is
    /// long only with an optional argument; <c>"e|exclude="</c> takes an argument; <c>"x"</c> is short only. For find
    /// and dd the names are the primaries and keys as written (<c>"-delete"</c>, <c>"of="</c>).
    /// </param>
    public OptionGrammar(string command, string? subcommand, GrammarStyle style, params string[] specs)
    {
        Command = command;
        Subcommand = subcommand;
        Style = style;
        if (specs.Length > 64)
        {
            throw new ArgumentException($"{command}: at most 64 options");
        }

        var options = new OptionDef[specs.Length];
        for (var i = 0; i < specs.Length; i++)
        {
            options[i] = Parse(i, specs[i]);
            foreach (var c in options[i].Shorts)
            {
                _short[c] = options[i];
            }

            foreach (var name in options[i].Longs)
            {
                _long.Add(name, options[i]);
            }
        }

        Options = options;
    }

    public string Command { get; }
    public string? Subcommand { get; }
    public GrammarStyle Style { get; }
    public OptionDef[] Options { get; }

    /// <summary>What <c>git push</c>, <c>rm</c>, ... is called in explanations.</summary>
    public string Name => Subcommand is null ? Command : Command + " " + Subcommand;

    /// <summary>How an explanation names an option: <c>--force</c>, <c>-x</c>, <c>-delete</c>, <c>of=</c>.</summary>
    public string Display(OptionDef def) => Style switch
    {
        GrammarStyle.Dd => def.Longs[0] + "=",
        GrammarStyle.Find => def.Longs[0],
        _ => def.Longs.Length > 0 ? "--" + def.Longs[0] : "-" + def.Shorts[0],
    };

    public OptionGrammar Implies(string option, params string[] implied)
    {
        var def = _long[option];
        foreach (var name in implied)
        {
            def.Sets |= 1UL << _long[name].Bit;
        }

        return this;
    }

    /// <summary>An argument value (or an unambiguous abbreviation of one) that sets more bits.</summary>
    public OptionGrammar ValueImplies(string option, string[] values, params string[] implied)
    {
        ulong bits = 0;
        foreach (var name in implied)
        {
            bits |= 1UL << _long[name].Bit;
        }

        _long[option].ValueImplies = (values, bits);
        return this;
    }

    /// <summary>An operand starting with <paramref name="prefix"/> sets the option's bits (git push's <c>+main</c>).</summary>
    public OptionGrammar OperandPrefix(char prefix, string option)
    {
        _operandPrefixes.Add((prefix, _long[option].Sets));
        return this;
    }

    /// <summary>The first operand is a file mode (chmod): spellings of the same mode compare equal.</summary>
    public bool FirstOperandIsMode { get; private set; }

    public OptionGrammar ModeOperand()
    {
        FirstOperandIsMode = true;
        return this;
    }

    /// <summary>An operand as patterns compare it.</summary>
    public ReadOnlySpan<char> Operand(ReadOnlySpan<char> word, bool first) => first && FirstOperandIsMode ? FileMode.Canonical(word) : word;

    public OptionDef? Short(char c) => c < 128 ? _short[c] : null;

    public OptionDef? Exact(ReadOnlySpan<char> name) => _long.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var def) ? def : null;

    /// <summary>
    /// A long option by exact name or unique prefix (<c>--recur</c>). An ambiguous prefix is an error for the program,
    /// so it never runs; the union of the candidates keeps the deny side safe all the same.
    /// </summary>
    public ulong ResolveLong(ReadOnlySpan<char> name, out OptionDef? single)
    {
        single = Exact(name);
        if (single is not null)
        {
            return single.Sets;
        }

        ulong bits = 0;
        foreach (var def in Options)
        {
            foreach (var candidate in def.Longs)
            {
                if (Style == GrammarStyle.Getopt && name.Length > 0 && candidate.AsSpan().StartsWith(name))
                {
                    single = bits == 0 ? def : single == def ? def : null;
                    bits |= def.Sets;
                    break;
                }
            }
        }

        return bits;
    }

    public ulong OperandBits(ReadOnlySpan<char> operand)
    {
        ulong bits = 0;
        foreach (var (prefix, set) in _operandPrefixes)
        {
            if (operand.Length > 1 && operand[0] == prefix)
            {
                bits |= set;
            }
        }

        return bits;
    }

    private static OptionDef Parse(int bit, string spec)
    {
        var arg = ArgKind.None;
        if (spec.EndsWith("=?", StringComparison.Ordinal))
        {
            arg = ArgKind.Optional;
            spec = spec[..^2];
        }
        else if (spec.EndsWith("=;", StringComparison.Ordinal))
        {
            arg = ArgKind.UntilTerminator;
            spec = spec[..^2];
        }
        else if (spec.Length > 1 && spec.EndsWith('='))
        {
            arg = ArgKind.Required;
            spec = spec[..^1];
        }

        var bar = spec.IndexOf('|');
        if (bar < 0)
        {
            return new OptionDef(bit, spec, [], arg);
        }

        return new OptionDef(bit, spec[..bar], spec[(bar + 1)..].Split(','), arg);
    }
}
