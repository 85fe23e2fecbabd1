using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Words;

/// <summary>
/// xargs adds words read from its standard input to the command it runs (<c>echo .env | xargs cat</c>), or puts
/// them in place of a replacement string (<c>-I %</c>, <c>-i</c>, <c>--replace</c>). The command is read again with
/// those words: the literal ones when stdin is <c>echo</c>/<c>printf</c> of literals or a here-string, otherwise one
/// word only known at run time (<see cref="Unknown"/>), which the unresolved-word rules treat like any <c>$VAR</c>.
/// </summary>
internal static class XargsInput
{
    /// <summary>Stands for xargs' input when the engine cannot see it: an unresolved word.</summary>
    public const string Unknown = "\"$XARGS_INPUT\"";

    private static readonly System.Buffers.SearchValues<char> PlainChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./~=:,@+%");

    /// <summary>Reads <c>xargs OPTIONS CMD ARGS</c> as CMD with its input: <paramref name="at"/> is where CMD starts.</summary>
    public static void Rewrite(ShellParser parser, ReadOnlySpan<ShellWord> words, int xargs, int at, bool privileged)
    {
        var scan = parser.Output;
        var replace = ReplacementString(scan, words[(xargs + 1)..at]);
        var input = LiteralInput(parser);
        var text = scan.Text;
        var start = text.Length;
        foreach (var word in words[at..])
        {
            if (text.Length > start)
            {
                text.Append(' ');
            }

            var value = scan[word.Text];
            if (replace.Length == 0 || word.IsDynamic || value.IndexOf(replace, StringComparison.Ordinal) < 0)
            {
                text.Append(scan[word.Raw]);
                continue;
            }

            // Each part between replacement strings is quoted; the input goes in its place.
            var rest = value;
            while (true)
            {
                var hit = rest.IndexOf(replace, StringComparison.Ordinal);
                AppendQuoted(text, hit < 0 ? rest : rest[..hit]);
                if (hit < 0)
                {
                    break;
                }

                if (input.HasValue)
                {
                    AppendQuoted(text, scan[input]);
                }
                else
                {
                    text.Append(Unknown);
                }

                rest = rest[(hit + replace.Length)..];
            }
        }

        if (replace.Length == 0)
        {
            AppendInputWords(scan, text, input);
        }

        parser.ParseNested(text.From(start), privileged);
        if (!input.HasValue)
        {
            // Also as written, last, so it stays the pipeline's element: "curl URL | xargs bash -c" feeds a shell.
            parser.ParseNested(RunnerText.JoinRaw(scan, [], words[at..]), privileged);
        }
    }

    /// <summary>The words xargs splits its input into, each quoted; or the unresolved word.</summary>
    private static void AppendInputWords(ShellScan scan, TextArena text, TextRange input)
    {
        if (!input.HasValue)
        {
            text.Append(' ');
            text.Append(Unknown);
            return;
        }

        var value = scan[input];
        foreach (var range in value.SplitAny(" \t\n"))
        {
            var token = value[range];
            if (token.Length > 0)
            {
                text.Append(' ');
                AppendQuoted(text, token);
            }
        }
    }

    /// <summary>Single-quoted so the shell reads it as one word, as xargs passes it (its own quotes dropped).</summary>
    private static void AppendQuoted(TextArena text, ReadOnlySpan<char> value)
    {
        if (value.Length > 0 && !value.ContainsAnyExcept(PlainChars))
        {
            text.Append(value); // bare, so a leading ~ is still a home directory
            return;
        }

        text.Append('\'');
        foreach (var c in value)
        {
            if (c is '\'' or '"')
            {
                continue;
            }

            text.Append(c);
        }

        text.Append('\'');
    }

    /// <summary>-I R, -IR, --replace=R, -i and --replace (R is {}): empty when xargs appends instead.</summary>
    private static ReadOnlySpan<char> ReplacementString(ShellScan scan, ReadOnlySpan<ShellWord> options)
    {
        for (var i = 0; i < options.Length; i++)
        {
            var w = scan[options[i].Text];
            if (w is "-I" && i + 1 < options.Length)
            {
                return scan[options[i + 1].Text];
            }

            if (w.StartsWith("--replace=", StringComparison.Ordinal))
            {
                return w["--replace=".Length..];
            }

            if (w is "-i" or "--replace")
            {
                return "{}";
            }

            if (w.Length > 2 && w[0] == '-' && w[1] is 'I' or 'i')
            {
                return w[2..];
            }
        }

        return [];
    }

    /// <summary>The input when stdin is a here-string or the output of <c>echo</c>/<c>printf</c> of literals.</summary>
    private static TextRange LiteralInput(ShellParser parser)
    {
        var scan = parser.Output;
        var stdin = parser.Stdin;
        if (stdin.Kind is StdinKind.HereString)
        {
            return stdin.Word.IsDynamic ? TextRange.None : stdin.Word.Text;
        }

        if (stdin.Kind is not StdinKind.Pipe || scan.PipelineParts.Count == 0 || scan.PipelineParts[^1] is not (>= 0 and var index))
        {
            return TextRange.None;
        }

        var words = scan.WordsOf(scan.Commands[index]);
        return words.Length > 0 && CommandSimplifier.BaseName(scan[words[0].Text]) is "echo" or "printf" ? FedPrograms.LiteralOutput(scan, words) : TextRange.None;
    }
}
