using System.CommandLine;
using System.Runtime.CompilerServices;
using System.Text;

namespace Hookline.Cli.Output;

/// <summary>
/// Where a command writes: System.CommandLine's configured output and error writers (the console by default, any
/// <see cref="TextWriter"/> when the command runs in process), never <see cref="Console"/> directly.
/// </summary>
internal static class CommandOutput
{
    /// <summary>The invoked parse result's configuration, for parse results made again from it (a <c>--config</c> file's flags).</summary>
    private static readonly ConditionalWeakTable<ParseResult, InvocationConfiguration> Reparsed = new();

    public static TextWriter Out(this ParseResult parse) => Configuration(parse).Output;

    public static TextWriter Error(this ParseResult parse) => Configuration(parse).Error;

    /// <summary><paramref name="reparsed"/>, made from <paramref name="invoked"/>, writes where the invoked one does.</summary>
    public static ParseResult WritingAs(this ParseResult reparsed, ParseResult invoked)
    {
        Reparsed.AddOrUpdate(reparsed, Configuration(invoked));
        return reparsed;
    }

    private static InvocationConfiguration Configuration(ParseResult parse) =>
        Reparsed.TryGetValue(parse, out var invoked) ? invoked : parse.InvocationConfiguration;

    /// <summary>Whether the output is the process's own stdout (a terminal or a pipe), as opposed to a writer in process.</summary>
    public static bool IsConsole(this ParseResult parse) => ReferenceEquals(parse.Out(), Console.Out);

    /// <summary>
    /// For commands that write a lot (export): a buffered UTF-8 writer straight onto stdout when the output is the
    /// console, the configured writer otherwise. Flush it at the end; dispose it only when <paramref name="owned"/>.
    /// </summary>
    public static TextWriter Bulk(this ParseResult parse, out bool owned)
    {
        owned = parse.IsConsole();
        return owned ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false } : parse.Out();
    }
}
