using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// Files a wrapper reads itself before running its command: <c>xargs -a FILE</c> / <c>--arg-file=FILE</c> reads FILE
/// (its lines become arguments). Recorded as read targets, like a <c>&lt; FILE</c> redirect.
/// </summary>
internal static class WrapperFiles
{
    /// <summary>Adds xargs's argument file, from its options (words from <paramref name="start"/> up to the command).</summary>
    public static void XargsArgFile(ShellScan scan, ReadOnlySpan<ShellWord> words, int start)
    {
        for (var i = start; i < words.Length; i++)
        {
            var word = scan[words[i].Text];
            if (word.Length < 2 || word[0] != '-' || word is "--")
            {
                return; // the command starts here
            }

            // --arg-file and every abbreviation of it (--a is unique among xargs's options).
            var isLong = word.StartsWith("--", StringComparison.Ordinal);
            if (word is "-a" || (isLong && word.Length >= 3 && "--arg-file".AsSpan().StartsWith(word)))
            {
                if (i + 1 < words.Length)
                {
                    scan.ReadTargets.Add(words[i + 1].Text);
                }

                return;
            }

            if (word.StartsWith("-a", StringComparison.Ordinal) && !isLong)
            {
                scan.ReadTargets.Add(new TextRange(words[i].Text.Start + 2, word.Length - 2));
                return;
            }

            var equals = word.IndexOf('=');
            if (isLong && equals >= 3 && "--arg-file".AsSpan().StartsWith(word[..equals]))
            {
                scan.ReadTargets.Add(new TextRange(words[i].Text.Start + equals + 1, word.Length - equals - 1));
                return;
            }
        }
    }
}
