using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary><c>env -C DIR</c> and <c>sudo -D DIR</c> (<c>--chdir</c>) run the command in DIR, as a <c>cd</c> would.</summary>
internal static class WrapperDirectories
{
    public static void Record(ShellScan scan, ReadOnlySpan<char> wrapper, ReadOnlySpan<ShellWord> words, int k)
    {
        var (flag, takesValue) = wrapper switch
        {
            "env" => ('C', "uS"),
            "sudo" => ('D', "ugChprtUTR"),
            _ => ('\0', ""),
        };
        if (flag == '\0')
        {
            return;
        }

        for (var i = k + 1; i < words.Length; i++)
        {
            var w = scan[words[i].Text];
            if (w.Length < 2 || w[0] != '-' || w is "--")
            {
                return; // the wrapped command starts here
            }

            if (w is "--chdir" || (w.Length == 2 && w[1] == flag))
            {
                if (i + 1 < words.Length)
                {
                    Add(scan, words[i + 1], words[i + 1].Text);
                }

                i++;
            }
            else if (w.StartsWith("--chdir=", StringComparison.Ordinal))
            {
                Add(scan, words[i], new TextRange(words[i].Text.Start + 8, w.Length - 8));
            }
            else if (w[1] == flag)
            {
                Add(scan, words[i], new TextRange(words[i].Text.Start + 2, w.Length - 2));
            }
            else if (w.Length == 2 && takesValue.Contains(w[1]))
            {
                i++;
            }
        }
    }

    private static void Add(ShellScan scan, ShellWord word, TextRange directory)
    {
        if (word.IsDynamic)
        {
            scan.HasDynamicDirectoryChange = true;
        }
        else
        {
            scan.ChangedDirectories.Add(directory);
        }
    }
}
