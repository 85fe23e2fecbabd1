using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Words;

/// <summary>
/// Builtins that take a variable NAME evaluate an array subscript in it as arithmetic, and a command substitution
/// there runs: <c>printf -v 'a[$(rm -rf /)]' x</c>, <c>test -v</c>, <c>read</c>, <c>declare -n</c>, <c>unset</c>.
/// Quoting hides it from the parser, so the subscript of such a name is read again as commands.
/// </summary>
internal static class SubscriptNames
{
    public static bool TakesNames(ReadOnlySpan<char> name) => name is "printf" or "test" or "[" or "[[" or "read" or "declare"
        or "local" or "typeset" or "readonly" or "export" or "unset" or "let" or "mapfile" or "readarray" or "wait";

    public static void Inspect(ShellParser parser, ReadOnlySpan<ShellWord> command)
    {
        var scan = parser.Output;
        for (var i = 1; i < command.Length; i++)
        {
            var text = scan[command[i].Text];
            var open = text.IndexOf('[');
            if (open < 0 || (text.IndexOf("$(", StringComparison.Ordinal) < 0 && text.IndexOf('`') < 0))
            {
                continue;
            }

            var close = text.LastIndexOf(']');
            var end = close > open ? close : text.Length;
            parser.ParseNested(new TextRange(command[i].Text.Start + open + 1, end - open - 1), parser.Privileged);
        }
    }
}
