using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>Which words of a command could be a command it runs, for the later-word backstop.</summary>
internal static class RunnerBackstop
{
    // Commands that treat their words as data (or whose runners are read explicitly: git, find): no backstop.
    private static readonly HashSet<string> DataOnly = new(StringComparer.Ordinal)
    {
        "echo", "printf", "grep", "egrep", "fgrep", "rg", "ag", "ack", "git", "find", "man", "which", "type", "whereis", "whatis",
        "apropos", "help", "info", "tldr", "cat", "head", "tail", "less", "more", "wc", "sort", "uniq", "cut", "tr", "ls", "mkdir",
        "touch", "jq", "yq", "test", "[", "[[", "true", "false", "basename", "dirname", "pwd", "printenv", "read", "diff", "cmp",
        "file", "stat", "du", "df", "readlink", "realpath", "alias", "hash", "export", "declare", "typeset", "local", "readonly",
        "unset", "set", "shift", "return", "exit", "cd", "pushd", "popd", "trap", "sed", "tar", "ssh",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> DataOnlyLookup = DataOnly.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>False for commands known to take their words as data.</summary>
    public static bool MayRun(ShellScan scan, ReadOnlySpan<ShellWord> words) =>
        words.Length > 1 && !words[0].IsDynamic && !DataOnlyLookup.Contains(CommandSimplifier.BaseName(scan[words[0].Text]));

    /// <summary>A literal word that is not an option: a command name could start here.</summary>
    public static bool CanStartCommand(ShellScan scan, ShellWord word)
    {
        var text = scan[word.Text];
        return !word.IsDynamic && text.Length > 0 && text[0] != '-' && !text.Contains(' ');
    }
}
