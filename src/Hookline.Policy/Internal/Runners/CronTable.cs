using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// The text a job scheduler installs (<c>crontab -</c>): each job line is a schedule and a shell command line, which is
/// parsed like a <c>sh -c</c> body. Environment lines and comments run nothing.
/// </summary>
internal static class CronTable
{
    public static void ParseJobs(ShellParser parser, TextRange table, bool privileged)
    {
        var scan = parser.Output;
        var start = table.Start;
        var end = table.Start + table.Length;
        while (start < end)
        {
            var text = scan[new TextRange(start, end - start)];
            var newline = text.IndexOf('\n');
            var lineLength = newline < 0 ? text.Length : newline;
            var line = text[..lineLength];
            var offset = CommandOffset(line);
            if (offset >= 0)
            {
                // cron turns the first unescaped '%' into the end of the command (the rest is its stdin).
                var command = line[offset..];
                var percent = command.IndexOf('%');
                var length = percent < 0 ? command.Length : percent;
                parser.ParseNested(new TextRange(start + offset, length), parser.Privileged || privileged);
            }

            start += lineLength + 1;
        }
    }

    /// <summary>Where the command starts in a job line (after five time fields, or one <c>@reboot</c>-style field); -1 for none.</summary>
    private static int CommandOffset(ReadOnlySpan<char> line)
    {
        var i = 0;
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        if (i >= line.Length || line[i] == '#' || IsEnvironmentLine(line[i..]))
        {
            return -1;
        }

        var fields = line[i] == '@' ? 1 : 5;
        for (var f = 0; f < fields; f++)
        {
            while (i < line.Length && line[i] is not (' ' or '\t'))
            {
                i++;
            }

            while (i < line.Length && line[i] is ' ' or '\t')
            {
                i++;
            }
        }

        return i < line.Length ? i : -1;
    }

    private static bool IsEnvironmentLine(ReadOnlySpan<char> line)
    {
        var eq = line.IndexOf('=');
        return eq > 0 && line[..eq].TrimEnd().IndexOfAny(' ', '\t') < 0;
    }
}
