namespace Hookline.Policy.Internal.OpaqueCode;

/// <summary>How an interpreter's command line says where its program comes from.</summary>
internal enum GrammarKind
{
    /// <summary>Unix-style options: short clusters (<c>-Ic</c>), whole-word long ones (<c>--eval=x</c>, <c>-eval x</c>).</summary>
    Options,

    /// <summary>awk: the first operand is the program; it is opaque only when it runs commands (system, pipes, getline).</summary>
    Awk,

    /// <summary>pwsh/powershell: case-insensitive, abbreviable single-dash parameters.</summary>
    PowerShell,

    /// <summary>make: a makefile read from stdin (<c>-f -</c>) or given inline (<c>--eval</c>).</summary>
    Make,
}

/// <summary>
/// One interpreter's option grammar, as far as finding inline code needs it.
/// </summary>
/// <param name="CodeLetters">Short options whose value (the rest of the cluster, else the next word) is program text.</param>
/// <param name="ValueLetters">Short options whose value (rest of the cluster, else the next word) is not code.</param>
/// <param name="AttachedLetters">Short options whose value can only be attached (<c>-i.bak</c>, <c>-0777</c>): they end the cluster.</param>
/// <param name="DigitLetters">Short options followed by optional attached digits (perl's <c>-l</c>, <c>-0777</c>): the cluster goes on after them.</param>
/// <param name="StopLetters">Short options that name a non-inline program (<c>python -m mod</c>): not opaque.</param>
/// <param name="CodeWords">Whole-word options whose value is program text (<c>--eval</c>, <c>-eval</c>, <c>--eval=x</c>).</param>
/// <param name="ValueWords">Whole-word options that take the next word as a value.</param>
/// <param name="NoProgramWords">Words after which nothing is run (<c>--version</c>, <c>--help</c>, <c>node --test</c>).</param>
/// <param name="StdinWithoutOperand">No script operand means the program is read from stdin.</param>
/// <param name="Subcommand">The subcommand whose first operand is code (<c>deno eval CODE</c>), or null.</param>
/// <param name="CodeIsCommandLine">The code is itself a command line (PowerShell, make --eval): probe it whole, too.</param>
internal sealed record Grammar(
    GrammarKind Kind,
    string CodeLetters = "",
    string ValueLetters = "",
    string AttachedLetters = "",
    string DigitLetters = "",
    string StopLetters = "",
    string[]? CodeWords = null,
    string[]? ValueWords = null,
    string[]? NoProgramWords = null,
    bool StdinWithoutOperand = false,
    string? Subcommand = null,
    bool CodeIsCommandLine = false);

/// <summary>The interpreters Hookline knows to take code inline or on stdin (the data table of this feature).</summary>
internal static class Interpreters
{
    private static readonly string[] Info = ["--version", "-h", "--help"];

    private static readonly Grammar Python = new(GrammarKind.Options, CodeLetters: "c", ValueLetters: "WXQ", StopLetters: "m",
        ValueWords: ["--check-hash-based-pycs"], NoProgramWords: [.. Info, "-V", "-VV", "-?", "--help-all", "--help-env", "--help-xoptions"],
        StdinWithoutOperand: true);

    private static readonly Grammar Perl = new(GrammarKind.Options, CodeLetters: "eE", ValueLetters: "IMm", AttachedLetters: "ixCdD", DigitLetters: "l0",
        NoProgramWords: [.. Info, "-v", "-V"], StdinWithoutOperand: true);

    private static readonly Grammar Ruby = new(GrammarKind.Options, CodeLetters: "e", ValueLetters: "rICE", AttachedLetters: "WxiKTF", DigitLetters: "0",
        NoProgramWords: [.. Info, "-v"], StdinWithoutOperand: true);

    private static readonly Grammar Node = new(GrammarKind.Options, CodeLetters: "ep", ValueLetters: "rC",
        CodeWords: ["--eval", "--print"], ValueWords: ["--require", "--import", "--loader", "--experimental-loader", "--conditions", "--title", "--input-type", "--env-file"],
        NoProgramWords: [.. Info, "-v", "--v8-options", "--test", "--run", "-c", "--check"], StdinWithoutOperand: true);

    private static readonly Grammar Bun = new(GrammarKind.Options, CodeLetters: "ep", CodeWords: ["--eval", "--print"], NoProgramWords: Info);

    private static readonly Grammar Deno = new(GrammarKind.Options, NoProgramWords: Info, Subcommand: "eval");

    private static readonly Grammar Php = new(GrammarKind.Options, CodeLetters: "rBRE", ValueLetters: "cdzt", StopLetters: "f",
        NoProgramWords: [.. Info, "-v", "-i", "--info", "-m", "--modules", "-l", "--syntax-check", "-a", "--interactive", "-S", "--server", "-s", "--syntax-highlight", "-n"],
        StdinWithoutOperand: true);

    private static readonly Grammar Lua = new(GrammarKind.Options, CodeLetters: "e", ValueLetters: "l", NoProgramWords: ["-v"], StdinWithoutOperand: true);

    private static readonly Grammar OsaScript = new(GrammarKind.Options, CodeLetters: "e", ValueLetters: "ls", StdinWithoutOperand: true);

    private static readonly Grammar R = new(GrammarKind.Options, CodeLetters: "e", NoProgramWords: Info, StdinWithoutOperand: true);

    private static readonly Grammar Rscript = new(GrammarKind.Options, CodeLetters: "e", NoProgramWords: Info);

    private static readonly Grammar Julia = new(GrammarKind.Options, CodeLetters: "eE", ValueLetters: "pLJt", CodeWords: ["--eval", "--print"],
        NoProgramWords: [.. Info, "-v"], StdinWithoutOperand: true);

    private static readonly Grammar ShortE = new(GrammarKind.Options, CodeLetters: "e", CodeWords: ["--eval"], NoProgramWords: Info);

    private static readonly Grammar ShortC = new(GrammarKind.Options, CodeLetters: "c", NoProgramWords: Info);

    private static readonly Grammar StdinOnly = new(GrammarKind.Options, NoProgramWords: Info, StdinWithoutOperand: true);

    private static readonly Grammar Lisp = new(GrammarKind.Options, CodeWords: ["--eval", "-eval", "--load"], NoProgramWords: Info);

    private static readonly Grammar Editor = new(GrammarKind.Options, CodeLetters: "c", ValueLetters: "SuUiTwW", CodeWords: ["--cmd"], NoProgramWords: Info);

    private static readonly Grammar Gdb = new(GrammarKind.Options, CodeWords: ["-ex", "--ex", "-eval-command", "--eval-command", "-iex", "--init-eval-command"], NoProgramWords: Info);

    private static readonly Grammar Erlang = new(GrammarKind.Options, CodeWords: ["-eval", "-s", "-run"], NoProgramWords: Info);

    private static readonly Grammar Awk = new(GrammarKind.Awk);

    private static readonly Grammar PowerShell = new(GrammarKind.PowerShell, CodeIsCommandLine: true);

    private static readonly Grammar Make = new(GrammarKind.Make, CodeIsCommandLine: true);

    private static readonly Dictionary<string, Grammar> Table = new(StringComparer.Ordinal)
    {
        ["python"] = Python, ["pypy"] = Python, ["py"] = Python,
        ["perl"] = Perl, ["raku"] = ShortE, ["perl6"] = ShortE,
        ["ruby"] = Ruby, ["jruby"] = Ruby, ["truffleruby"] = Ruby,
        ["node"] = Node, ["nodejs"] = Node, ["tsx"] = Node, ["ts-node"] = Node,
        ["bun"] = Bun, ["deno"] = Deno,
        ["php"] = Php,
        ["lua"] = Lua, ["luajit"] = Lua,
        ["osascript"] = OsaScript,
        ["R"] = R, ["Rscript"] = Rscript,
        ["julia"] = Julia,
        ["groovy"] = ShortE, ["scala"] = ShortE, ["elixir"] = ShortE, ["racket"] = ShortE, ["ghc"] = ShortE, ["swift"] = ShortE,
        ["guile"] = ShortC, ["expect"] = ShortC, ["clisp"] = new(GrammarKind.Options, CodeLetters: "x", NoProgramWords: Info),
        ["tclsh"] = StdinOnly, ["wish"] = StdinOnly, ["jshell"] = StdinOnly,
        ["sbcl"] = Lisp, ["emacs"] = Lisp, ["ecl"] = Lisp,
        ["vim"] = Editor, ["vi"] = Editor, ["nvim"] = Editor, ["ex"] = Editor, ["view"] = Editor,
        ["gdb"] = Gdb, ["erl"] = Erlang,
        ["awk"] = Awk, ["gawk"] = Awk, ["mawk"] = Awk, ["nawk"] = Awk, ["busybox-awk"] = Awk,
        ["pwsh"] = PowerShell, ["powershell"] = PowerShell,
        ["make"] = Make, ["gmake"] = Make,
    };

    private static readonly Dictionary<string, Grammar>.AlternateLookup<ReadOnlySpan<char>> Lookup = Table.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Runners that start the command named in a later word (<c>uv run python -c ...</c>): inline code there counts too.</summary>
    private static readonly HashSet<string> Runners = new(StringComparer.Ordinal)
    {
        "uv", "uvx", "poetry", "pipenv", "pdm", "hatch", "rye", "conda", "mamba", "micromamba", "pixi", "bundle", "npx", "pnpm", "yarn", "bunx",
        "mise", "asdf", "rtx", "pyenv", "rbenv", "nodenv", "volta", "fnm", "direnv", "dotenv", "nix-shell", "docker", "podman", "kubectl",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> RunnerLookup = Runners.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The grammar of the interpreter named by <paramref name="name"/> (a base name), or null.</summary>
    /// <remarks>Version suffixes and <c>.exe</c> are ignored: <c>python3.12</c>, <c>lua5.4</c>, <c>pwsh.exe</c>.</remarks>
    public static Grammar? Find(ReadOnlySpan<char> name)
    {
        if (name.Length == 0 || name.Length > 24 || !char.IsAsciiLetter(name[0]))
        {
            return null;
        }

        if (name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^4];
        }

        if (Lookup.TryGetValue(name, out var grammar))
        {
            return grammar;
        }

        var trimmed = name.TrimEnd("0123456789.-");
        return trimmed.Length < name.Length && trimmed.Length > 0 && Lookup.TryGetValue(trimmed, out grammar) ? grammar : null;
    }

    public static bool IsRunner(ReadOnlySpan<char> name) => RunnerLookup.Contains(name);
}
