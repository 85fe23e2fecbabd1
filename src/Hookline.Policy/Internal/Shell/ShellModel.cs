using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Words;

namespace Hookline.Policy.Internal.Shell;

/// <summary>One shell word after quote removal, as ranges of the scan's text. Expansions stay as written.</summary>
internal readonly record struct ShellWord(TextRange Text, TextRange Raw, bool HasExpansion, bool HasGlob)
{
    /// <summary>The word's value depends on run-time state ($VAR, $(...), globs, brace expansion).</summary>
    public bool IsDynamic => HasExpansion || HasGlob;
}

/// <summary>One simple command to check against Bash rules, as ranges of the scan's text.</summary>
/// <param name="Text">Words after wrappers and assignments are stripped, joined by single spaces.</param>
/// <param name="BaseNameText">The same with the command's directory removed (<c>/bin/rm</c> → <c>rm</c>) and git's global
/// options dropped (<c>git -C x push</c> → <c>git push</c>); None when equal. Deny/ask only.</param>
/// <param name="PrivilegedText">When sudo/doas or a dangerous assignment (PATH=, LD_PRELOAD=...) preceded the command, the
/// text with it: allow rules must match this form, so allowing <c>ls</c> does not allow <c>sudo ls</c>.</param>
/// <param name="IsDynamic">The command name is not knowable before run time: it can never be allowed.</param>
/// <param name="WordStart">Where the command's words (after wrappers and assignments) start in <see cref="ShellScan.WordsOf"/>.</param>
/// <param name="WordCount">How many words it has.</param>
/// <param name="OpaqueCodeEnd">Not 0 when the command runs inline code (python -c, perl -e, ...): how much of its text an allow
/// pattern must name literally to cover it (<see cref="int.MaxValue"/>: the code is on stdin, never coverable).</param>
/// <param name="IsProbe">A command line found in a string literal of inline code: deny and ask rules only.</param>
internal readonly record struct SubCommandRange(TextRange Text, TextRange BaseNameText, TextRange PrivilegedText, bool IsDynamic, int WordStart = 0, int WordCount = 0,
    int OpaqueCodeEnd = 0, bool IsProbe = false)
{
    /// <summary>The text allow rules must match.</summary>
    public TextRange AllowText => PrivilegedText.HasValue ? PrivilegedText : Text;
}

/// <summary>
/// The result of splitting a shell command line, kept in reusable buffers (one per thread on the evaluation path):
/// every text is a range of <see cref="Text"/>.
/// </summary>
internal sealed class ShellScan
{
    private ShellWord[] _words = new ShellWord[32];
    private ShellWord[] _commandWords = new ShellWord[32];
    private int _commandWordCount;
    private readonly List<ShellParser> _parsers = [];
    private int _parserTop;

    public ShellScan(TextArena text)
    {
        Text = text;
    }

    public TextArena Text { get; }

    /// <summary>Scratch for words being unquoted; nested substitutions push above the word that contains them.</summary>
    public TextArena WordBuilder { get; } = new();

    public List<SubCommandRange> Commands { get; } = [];

    /// <summary>Same-line constants, rewritten words and risky arithmetic (see <see cref="WordRewriter"/>).</summary>
    public ShellConstants Constants { get; } = new();

    /// <summary>The sub-commands in word form, for word-aware matching.</summary>
    public WordForms Forms { get; } = new();
    public List<TextRange> WriteTargets { get; } = [];
    public List<TextRange> ReadTargets { get; } = [];

    /// <summary>Directories changed to with cd/pushd; relative redirect targets may be relative to any of them.</summary>
    public List<TextRange> ChangedDirectories { get; } = [];

    /// <summary>A redirect target is only known at run time (<c>&gt; $FILE</c>).</summary>
    public bool HasDynamicRedirect { get; set; }

    /// <summary>A cd whose directory is only known at run time (<c>cd $D</c>, <c>cd -</c>).</summary>
    public bool HasDynamicDirectoryChange { get; set; }

    /// <summary>Non-null when the command could not be parsed; then nothing else is trustworthy.</summary>
    public string? Error { get; set; }

    /// <summary>Work spent reading this line (see <see cref="ShellParser.MaxWork"/>).</summary>
    public int Work { get; set; }

    /// <summary>The first thing seen that no allow rule may allow (a program fed to a shell, run-time configuration).</summary>
    public ShellConcern? Concern { get; private set; }

    /// <summary>Each pipeline's simple commands joined by " | ", for patterns that contain '|'.</summary>
    public List<TextRange> Pipelines { get; } = [];

    /// <summary>A stack of pipeline elements being read: the index in <see cref="Commands"/> of each one's last command, or -1.</summary>
    public List<int> PipelineParts { get; } = [];

    /// <summary>Names bound earlier in the command line (alias, hash -p, git aliases).</summary>
    public BoundNames Bound { get; } = new();

    /// <summary>Words of the simple commands being read (a stack: nested commands push above their parent's).</summary>
    public int WordTop { get; set; }

    public ReadOnlySpan<char> this[TextRange range] => Text[range];

    public bool HasDynamicCommand
    {
        get
        {
            foreach (var command in Commands)
            {
                if (command.IsDynamic)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>True when some redirect target cannot be resolved to a file before run time.</summary>
    public bool HasUnknownRedirectTarget =>
        HasDynamicRedirect || (HasDynamicDirectoryChange && (AnyRelative(WriteTargets) || AnyRelative(ReadTargets)));

    public void Reset()
    {
        Commands.Clear();
        Constants.Clear();
        Forms.Clear();
        WriteTargets.Clear();
        ReadTargets.Clear();
        ChangedDirectories.Clear();
        HasDynamicRedirect = false;
        HasDynamicDirectoryChange = false;
        Error = null;
        Work = 0;
        Concern = null;
        Pipelines.Clear();
        PipelineParts.Clear();
        Bound.Clear();
        WordTop = 0;
        _commandWordCount = 0;
        _parserTop = 0;
        WordBuilder.Clear();
    }

    public void PushWord(ShellWord word)
    {
        if (WordTop == _words.Length)
        {
            Array.Resize(ref _words, _words.Length * 2);
        }

        _words[WordTop++] = word;
    }

    /// <summary>The words pushed since <paramref name="from"/>. Valid until they are popped (a later growth copies them).</summary>
    public ReadOnlySpan<ShellWord> WordsFrom(int from) => _words.AsSpan(from, WordTop - from);

    /// <summary>Keeps a sub-command's words (their ranges stay valid until <see cref="Reset"/>); returns where they start.</summary>
    public int KeepCommandWords(ReadOnlySpan<ShellWord> words)
    {
        if (_commandWordCount + words.Length > _commandWords.Length)
        {
            Array.Resize(ref _commandWords, Math.Max(_commandWords.Length * 2, _commandWordCount + words.Length));
        }

        var start = _commandWordCount;
        words.CopyTo(_commandWords.AsSpan(start));
        _commandWordCount += words.Length;
        return start;
    }

    /// <summary>The words of one sub-command, after quote removal: each is one shell argument, even with spaces inside.</summary>
    public ReadOnlySpan<ShellWord> WordsOf(SubCommandRange command) => _commandWords.AsSpan(command.WordStart, command.WordCount);

    /// <summary>Records a concern; the first one is reported.</summary>
    public void Raise(string reasonCode, string reason, TextRange subject) => Concern ??= new ShellConcern(reasonCode, reason, subject);

    internal ShellParser RentParser()
    {
        if (_parserTop == _parsers.Count)
        {
            _parsers.Add(new ShellParser(this));
        }

        return _parsers[_parserTop++];
    }

    internal void ReturnParser() => _parserTop--;

    private bool AnyRelative(List<TextRange> paths)
    {
        foreach (var path in paths)
        {
            var text = Text[path];
            if (!text.StartsWith('/') && !text.StartsWith('~'))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One simple command as strings (explanations and tests).</summary>
internal sealed class SubCommand(string text, string? baseNameText, string? privilegedText, bool isDynamic, IReadOnlyList<string> words)
{
    public string Text { get; } = text;

    /// <summary>The command's words (arguments) after quote removal.</summary>
    public IReadOnlyList<string> Words { get; } = words;
    public string? BaseNameText { get; } = baseNameText;
    public string? PrivilegedText { get; } = privilegedText;
    public bool IsDynamic { get; } = isDynamic;
    public string AllowText => PrivilegedText ?? Text;

    public override string ToString() => Text;
}

/// <summary>A <see cref="ShellScan"/> copied into strings, for explanations and tests.</summary>
internal sealed class ShellParse
{
    public List<SubCommand> Commands { get; } = [];
    public List<string> WriteTargets { get; } = [];
    public List<string> ReadTargets { get; } = [];
    public List<string> ChangedDirectories { get; } = [];
    public string? Error { get; private init; }
    public bool HasDynamicRedirect { get; private init; }
    public bool HasDynamicDirectoryChange { get; private init; }
    public bool HasDynamicCommand => Commands.Exists(c => c.IsDynamic);

    /// <summary>The reason code and reason of <see cref="ShellScan.Concern"/>, or null.</summary>
    public string? Concern { get; private init; }
    public List<string> Pipelines { get; } = [];

    public static ShellParse From(ShellScan scan)
    {
        var parse = new ShellParse { Error = scan.Error, HasDynamicRedirect = scan.HasDynamicRedirect, HasDynamicDirectoryChange = scan.HasDynamicDirectoryChange,
            Concern = scan.Concern is { } concern ? $"{concern.ReasonCode}: {concern.Reason}" : null,
        };
        var text = scan.Text;
        foreach (var c in scan.Commands)
        {
            var words = new List<string>(c.WordCount);
            foreach (var word in scan.WordsOf(c))
            {
                words.Add(text.ToStringOrNull(word.Text) ?? "");
            }

            parse.Commands.Add(new SubCommand(text.ToStringOrNull(c.Text)!, text.ToStringOrNull(c.BaseNameText), text.ToStringOrNull(c.PrivilegedText), c.IsDynamic, words));
        }

        parse.WriteTargets.AddRange(scan.WriteTargets.Select(r => text.ToStringOrNull(r)!));
        parse.ReadTargets.AddRange(scan.ReadTargets.Select(r => text.ToStringOrNull(r)!));
        parse.ChangedDirectories.AddRange(scan.ChangedDirectories.Select(r => text.ToStringOrNull(r)!));
        parse.Pipelines.AddRange(scan.Pipelines.Select(r => text.ToStringOrNull(r)!));
        return parse;
    }
}
