namespace Hookline.Policy.Internal.OpaqueCode;

/// <summary>Whether an awk program runs commands: <c>system()</c>, <c>cmd | getline</c>, <c>print | "cmd"</c>, <c>|&amp;</c>.</summary>
internal static class AwkProgram
{
    public static bool RunsCommands(ReadOnlySpan<char> program)
    {
        var inString = false;
        for (var i = 0; i < program.Length; i++)
        {
            var c = program[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case 's' when IsWordAt(program, i, "system") && NextNonBlank(program, i + "system".Length) == '(':
                    return true;
                case '|' when i + 1 < program.Length && program[i + 1] == '|':
                    i++; // logical or
                    break;
                case '|' when PipesCommand(program, i):
                    return true;
            }
        }

        return false;
    }

    /// <summary>A single '|' outside strings: a pipe to getline, a coprocess, or a print/printf into a command.</summary>
    private static bool PipesCommand(ReadOnlySpan<char> program, int bar)
    {
        if (bar + 1 < program.Length && program[bar + 1] == '&')
        {
            return true;
        }

        var after = program[(bar + 1)..].TrimStart();
        if (after.StartsWith("getline", StringComparison.Ordinal))
        {
            return true;
        }

        // print ... | "sort" or print ... | cmd: the statement this bar is in starts with print/printf.
        var start = program[..bar].LastIndexOfAny(";{}\n") + 1;
        var statement = program[start..bar].TrimStart();
        return statement.StartsWith("print", StringComparison.Ordinal);
    }

    private static bool IsWordAt(ReadOnlySpan<char> text, int at, string word) =>
        text[at..].StartsWith(word, StringComparison.Ordinal) && (at == 0 || !IsIdentifier(text[at - 1]));

    private static char NextNonBlank(ReadOnlySpan<char> text, int from)
    {
        var rest = text[from..].TrimStart();
        return rest.Length > 0 ? rest[0] : '\0';
    }

    private static bool IsIdentifier(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
