using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.OpaqueCode;

/// <summary>
/// Marks a sub-command that runs code given inline or on stdin (<c>python3 -c</c>, <c>perl -e</c>, <c>node -e</c>,
/// awk with <c>system()</c>, <c>pwsh -Command</c>, <c>make -f -</c>, ...) and probes the shell commands in its string
/// literals and arguments.
/// </summary>
internal static class OpaqueCodeScanner
{
    /// <summary>
    /// For a command that runs inline code: probes it, and returns how far the command's text (its words joined by
    /// single spaces) must be matched literally for an allow rule to name this one-liner exactly. 0 when not opaque;
    /// <see cref="int.MaxValue"/> when the program comes from stdin.
    /// </summary>
    public static int Inspect(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        if (InlineCodeFinder.Find(scan, command) is not { } found)
        {
            return 0;
        }

        var codeLast = found.CodeToEnd ? command.Length - 1 : found.CodeWord;
        for (var j = found.Interpreter + 1; j < command.Length; j++)
        {
            var word = command[j];
            if (found.FromStdin || j < found.CodeWord || j > codeLast)
            {
                // The program's arguments (and the interpreter's options): a command line may be handed over in them.
                ProbeArgument(parser, word.Text, privileged);
                continue;
            }

            if (found.CodeToEnd)
            {
                continue; // the joined code is probed below
            }

            var offset = j == found.CodeWord ? found.CodeOffset : 0;
            var code = new TextRange(word.Text.Start + offset, word.Text.Length - offset);
            if (found.Grammar.Kind == GrammarKind.PowerShell)
            {
                CodeProbe.Encoded(parser, scan[code], privileged);
                continue;
            }

            CodeProbe.Literals(parser, scan[code], privileged);
            if (found.Grammar.CodeIsCommandLine)
            {
                CodeProbe.CommandLine(parser, code, privileged);
            }
        }

        if (found.CodeToEnd && !found.FromStdin)
        {
            var start = scan.Text.Length;
            for (var j = found.CodeWord; j < command.Length; j++)
            {
                if (j > found.CodeWord)
                {
                    scan.Text.Append(' ');
                }

                scan.Text.Append(scan[command[j].Text]);
            }

            var joined = scan.Text.From(start);
            CodeProbe.CommandLine(parser, joined, privileged);
            CodeProbe.Literals(parser, scan[joined], privileged);
        }

        if (found.FromStdin)
        {
            return int.MaxValue; // a program on stdin is not in the command line: no allow rule can name it
        }

        var end = -1;
        for (var j = 0; j <= codeLast; j++)
        {
            end += command[j].Text.Length + 1;
        }

        return Math.Max(end, 1);
    }

    private static void ProbeArgument(ShellParser parser, TextRange word, bool privileged)
    {
        var text = parser.Output[word];
        if (text.Length == 0 || text[0] == '-')
        {
            return;
        }

        CodeProbe.CommandLine(parser, word, privileged);
        var eq = text.IndexOf('=');
        if (eq > 0 && eq + 1 < text.Length)
        {
            CodeProbe.CommandLine(parser, new TextRange(word.Start + eq + 1, word.Length - eq - 1), privileged);
        }
    }
}
