using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// <c>CDPATH=~/.ssh; cd keys</c> lands in <c>~/.ssh/keys</c>: a <c>cd</c> to a relative name (not starting with a dot)
/// may go below any CDPATH entry set on the same line. Those directories become bases for relative paths too.
/// </summary>
internal static class CdPath
{
    private const string Assignment = "CDPATH=";
    private static readonly System.Buffers.SearchValues<char> ValueEnd = System.Buffers.SearchValues.Create(" \t\n;&|)");

    /// <summary>CDPATH entries times relative cds: each pair is a base every relative path is matched under.</summary>
    public const int MaxBases = 256;

    /// <summary>More bases than <see cref="MaxBases"/> would make matching super-linear: the line is not read then.</summary>
    public static bool TooManyBases(ShellScan shell, ReadOnlySpan<char> raw)
    {
        var at = raw.IndexOf(Assignment, StringComparison.Ordinal);
        if (at < 0 || shell.ChangedDirectories.Count == 0)
        {
            return false;
        }

        var entries = ValueAt(raw, at).Count(':') + 1;
        return (long)entries * shell.ChangedDirectories.Count > MaxBases;
    }

    public static void AddBases(ShellScan shell, ReadOnlySpan<char> raw, string cwd, string? home, IReadOnlyDictionary<string, string>? userHomes, FileArgumentList into)
    {
        var at = raw.IndexOf(Assignment, StringComparison.Ordinal);
        if (at < 0 || shell.ChangedDirectories.Count == 0)
        {
            return;
        }

        var value = ValueAt(raw, at);
        var text = shell.Text;
        foreach (var range in value.Split(':'))
        {
            var entry = value[range].Trim("'\"");
            if (entry.Length == 0 || entry.Contains('$'))
            {
                continue;
            }

            foreach (var directory in shell.ChangedDirectories)
            {
                var name = shell[directory];
                if (name.Length == 0 || name[0] is '.' or '/' or '~')
                {
                    continue; // CDPATH is not searched for these
                }

                var start = text.Length;
                text.Append(entry);
                text.Append('/');
                text.Append(name);
                var composed = text[text.From(start)];
                into.Bases.Add(PathNormalizer.NormalizeInto(composed, cwd, home, userHomes, text));
            }
        }
    }

    private static ReadOnlySpan<char> ValueAt(ReadOnlySpan<char> raw, int at)
    {
        var value = raw[(at + Assignment.Length)..];
        var end = value.IndexOfAny(ValueEnd);
        return end < 0 ? value : value[..end];
    }
}
