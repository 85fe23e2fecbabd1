namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// <c>CDPATH=~/.ssh; cd keys</c> lands in <c>~/.ssh/keys</c>: a <c>cd</c> to a relative name (not starting with a dot)
/// may go below any CDPATH entry set on the same line. Those directories become bases for relative paths too.
/// </summary>
internal static class CdPath
{
    private const string Assignment = "CDPATH=";

    public static void AddBases(ShellScan shell, ReadOnlySpan<char> raw, string cwd, string? home, IReadOnlyDictionary<string, string>? userHomes, FileArgumentList into)
    {
        var at = raw.IndexOf(Assignment, StringComparison.Ordinal);
        if (at < 0 || shell.ChangedDirectories.Count == 0)
        {
            return;
        }

        var value = raw[(at + Assignment.Length)..];
        var end = value.IndexOfAny(" \t\n;&|)");
        value = end < 0 ? value : value[..end];
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
}
