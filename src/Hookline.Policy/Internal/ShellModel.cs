namespace Hookline.Policy.Internal;

/// <summary>One shell word after quote removal. Expansions stay as written; the flags say whether the word is knowable.</summary>
internal readonly record struct ShellWord(string Text, string Raw, bool HasExpansion, bool HasGlob)
{
    /// <summary>The word's value depends on run-time state ($VAR, $(...), globs, brace expansion).</summary>
    public bool IsDynamic => HasExpansion || HasGlob;
}

/// <summary>One simple command to check against Bash rules.</summary>
internal sealed class SubCommand(string text, string? baseNameText, string? privilegedText, bool isDynamic)
{
    /// <summary>Words after wrappers and assignments are stripped, joined by single spaces.</summary>
    public string Text { get; } = text;

    /// <summary>The same with the command's directory removed (<c>/bin/rm</c> → <c>rm</c>) and git's global options dropped
    /// (<c>git -C x push</c> → <c>git push</c>); null when equal. Deny/ask only.</summary>
    public string? BaseNameText { get; } = baseNameText;

    /// <summary>When sudo/doas or a dangerous assignment (PATH=, LD_PRELOAD=...) preceded the command, the text with it:
    /// allow rules must match this form, so allowing <c>ls</c> does not allow <c>sudo ls</c>.</summary>
    public string? PrivilegedText { get; } = privilegedText;

    /// <summary>The command name is not knowable before run time ($CMD, globs, brace expansion): it can never be allowed.</summary>
    public bool IsDynamic { get; } = isDynamic;

    /// <summary>The text allow rules must match.</summary>
    public string AllowText => PrivilegedText ?? Text;

    public override string ToString() => Text;
}

/// <summary>The result of splitting a shell command line.</summary>
internal sealed class ShellParse
{
    public List<SubCommand> Commands { get; } = [];
    public List<string> WriteTargets { get; } = [];
    public List<string> ReadTargets { get; } = [];

    /// <summary>Directories changed to with cd/pushd; relative redirect targets may be relative to any of them.</summary>
    public List<string> ChangedDirectories { get; } = [];

    /// <summary>A redirect target is only known at run time (<c>&gt; $FILE</c>).</summary>
    public bool HasDynamicRedirect { get; set; }

    /// <summary>A cd whose directory is only known at run time (<c>cd $D</c>, <c>cd -</c>).</summary>
    public bool HasDynamicDirectoryChange { get; set; }

    /// <summary>True when some redirect target cannot be resolved to a file before run time.</summary>
    public bool HasUnknownRedirectTarget =>
        HasDynamicRedirect || (HasDynamicDirectoryChange && (WriteTargets.Exists(IsRelative) || ReadTargets.Exists(IsRelative)));

    private static bool IsRelative(string path) => !path.StartsWith('/') && !path.StartsWith('~');

    /// <summary>Non-null when the command could not be parsed; then nothing else is trustworthy.</summary>
    public string? Error { get; set; }

    public bool HasDynamicCommand => Commands.Exists(c => c.IsDynamic);
}
