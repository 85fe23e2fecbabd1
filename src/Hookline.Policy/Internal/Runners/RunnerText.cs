using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>Building the text a runner hands to a shell, in the scan's arena.</summary>
internal static class RunnerText
{
    /// <summary>The words as the original command line spelled them, joined: parsing it again reads them as before.</summary>
    public static TextRange JoinRaw(ShellScan scan, ReadOnlySpan<char> head, ReadOnlySpan<ShellWord> words)
    {
        var text = scan.Text;
        var start = text.Length;
        text.Append(head);
        foreach (var word in words)
        {
            if (text.Length > start)
            {
                text.Append(' ');
            }

            text.Append(scan[word.Raw]);
        }

        return text.From(start);
    }

    /// <summary>The words' values joined by spaces: what <c>watch</c>, <c>ssh</c> and <c>parallel</c> hand to a shell.</summary>
    public static TextRange JoinValues(ShellScan scan, ReadOnlySpan<ShellWord> words)
    {
        var text = scan.Text;
        var start = text.Length;
        foreach (var word in words)
        {
            if (text.Length > start)
            {
                text.Append(' ');
            }

            text.Append(scan[word.Text]);
        }

        return text.From(start);
    }

    /// <summary>The part of a word's value after <paramref name="prefix"/> (<c>--exec=CMD</c>), as a range of the same text.</summary>
    public static TextRange After(ShellWord word, int prefix) => new(word.Text.Start + prefix, word.Text.Length - prefix);

    public static bool Is(ReadOnlySpan<char> word, string a, string b) => word.SequenceEqual(a) || word.SequenceEqual(b);
}
