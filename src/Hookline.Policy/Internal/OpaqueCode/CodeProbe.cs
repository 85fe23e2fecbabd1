using System.Text;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.OpaqueCode;

/// <summary>
/// Reads shell command lines out of code the engine cannot run: every string literal (and every run of literals
/// separated by commas, as in <c>subprocess.run(['rm', '-rf', '/'])</c>) is parsed as a command line. What parses is
/// added as probe sub-commands, which deny and ask rules see and allow rules never need to cover; what does not parse
/// is dropped without a trace (most strings are not commands).
/// </summary>
internal static class CodeProbe
{
    private const int MaxLiterals = 128;

    public static void Literals(ShellParser parser, ReadOnlySpan<char> code, bool privileged)
    {
        var scan = parser.Output;
        var text = scan.Text;
        List<TextRange>? run = null;
        var literals = 0;
        var i = 0;
        while (i < code.Length && literals < MaxLiterals)
        {
            var open = OpeningAt(code, i, out var close, out var skip);
            if (open < 0)
            {
                i++;
                continue;
            }

            // Copy the literal's content (with simple escapes resolved) to the arena.
            var start = text.Length;
            var j = open;
            var triple = close is '\'' or '"' && j + 1 < code.Length && code[j] == close && code[j + 1] == close && skip == 1;
            if (triple)
            {
                j += 2;
            }

            for (; j < code.Length; j++)
            {
                var c = code[j];
                if (c == '\\' && j + 1 < code.Length)
                {
                    var e = code[++j];
                    text.Append(e switch { 'n' => '\n', 't' => '\t', _ => e });
                    continue;
                }

                if (c == close && (!triple || (j + 2 < code.Length && code[j + 1] == close && code[j + 2] == close)))
                {
                    break;
                }

                text.Append(c);
            }

            var literal = text.From(start);
            j += triple ? 3 : 1;
            literals++;
            CommandLine(parser, literal, privileged);

            // A list of literals ("rm", "-rf", "/"): collect it and probe it joined.
            var next = NextNonBlank(code, j);
            var continues = next < code.Length && code[next] == ',' && NextNonBlank(code, next + 1) is var after && after < code.Length && code[after] is '\'' or '"';
            if (continues || run is { Count: > 0 })
            {
                (run ??= []).Add(literal);
            }

            if (!continues && run is { Count: > 1 })
            {
                CommandLine(parser, Joined(text, run), privileged);
            }

            if (!continues)
            {
                run?.Clear();
            }

            i = j;
        }
    }

    /// <summary>Parses <paramref name="line"/> as a shell command line and keeps what it runs as probe sub-commands.</summary>
    public static void CommandLine(ShellParser parser, TextRange line, bool privileged)
    {
        var scan = parser.Output;
        var body = scan[line];
        if (body.Length == 0 || body.Length > ShellParser.MaxLength || !body.ContainsAnyInRange('a', 'z'))
        {
            return;
        }

        var commands = scan.Commands.Count;
        var writes = scan.WriteTargets.Count;
        var reads = scan.ReadTargets.Count;
        var directories = scan.ChangedDirectories.Count;
        var dynamicRedirect = scan.HasDynamicRedirect;
        var dynamicDirectory = scan.HasDynamicDirectoryChange;
        var wordTop = scan.WordTop;
        parser.ParseNested(line, privileged);
        if (scan.Error is not null)
        {
            // Not a command line: forget whatever it added.
            scan.Error = null;
            scan.Commands.RemoveRange(commands, scan.Commands.Count - commands);
            scan.WriteTargets.RemoveRange(writes, scan.WriteTargets.Count - writes);
            scan.ReadTargets.RemoveRange(reads, scan.ReadTargets.Count - reads);
            scan.ChangedDirectories.RemoveRange(directories, scan.ChangedDirectories.Count - directories);
        }

        scan.WordTop = wordTop;
        scan.HasDynamicRedirect = dynamicRedirect;
        scan.HasDynamicDirectoryChange = dynamicDirectory;
        for (var k = commands; k < scan.Commands.Count; k++)
        {
            scan.Commands[k] = scan.Commands[k] with { IsProbe = true, IsDynamic = false };
        }
    }

    /// <summary>PowerShell's -EncodedCommand: base64 of UTF-16LE text.</summary>
    public static void Encoded(ShellParser parser, ReadOnlySpan<char> base64, bool privileged)
    {
        if (base64.Length > ShellParser.MaxLength * 3)
        {
            return;
        }

        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64Chars(base64, bytes, out var written))
        {
            return;
        }

        var decoded = Encoding.Unicode.GetString(bytes, 0, written);
        var range = parser.Output.Text.Append(decoded);
        CommandLine(parser, range, privileged);
        Literals(parser, decoded, privileged);
    }

    private static TextRange Joined(TextArena text, List<TextRange> run)
    {
        var start = text.Length;
        foreach (var element in run)
        {
            // Each element stays one word: quote it for the shell.
            text.Append('\'');
            foreach (var c in text[element])
            {
                if (c == '\'')
                {
                    text.Append("'\\''");
                }
                else
                {
                    text.Append(c);
                }
            }

            text.Append("' ");
        }

        return text.From(start);
    }

    /// <summary>
    /// Where a literal opening at <paramref name="i"/> starts its content, or -1: quotes and backticks, and Perl/Ruby
    /// quote-like forms (<c>qx{..}</c>, <c>qw(..)</c>, <c>%x(..)</c>, <c>%w[..]</c>).
    /// </summary>
    private static int OpeningAt(ReadOnlySpan<char> code, int i, out char close, out int skip)
    {
        close = '\0';
        skip = 1;
        var c = code[i];
        if (c is '\'' or '"' or '`')
        {
            close = c;
            return i + 1;
        }

        var prefix = 0;
        if (c == '%' && i + 2 < code.Length && code[i + 1] is 'x' or 'w' or 'W' or 'q' or 'Q' or 'i')
        {
            prefix = 2;
        }
        else if (c == 'q' && (i == 0 || !char.IsAsciiLetterOrDigit(code[i - 1]) && code[i - 1] != '_') && i + 2 < code.Length)
        {
            prefix = code[i + 1] is 'x' or 'w' or 'q' ? 2 : 1;
        }

        if (prefix == 0 || i + prefix >= code.Length)
        {
            return -1;
        }

        close = code[i + prefix] switch { '(' => ')', '[' => ']', '{' => '}', '<' => '>', '/' => '/', '|' => '|', '!' => '!', _ => '\0' };
        skip = 0;
        return close == '\0' ? -1 : i + prefix + 1;
    }

    private static int NextNonBlank(ReadOnlySpan<char> code, int from)
    {
        while (from < code.Length && char.IsWhiteSpace(code[from]))
        {
            from++;
        }

        return from;
    }
}
