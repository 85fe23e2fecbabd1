using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Hookline.LoadTool;

/// <summary>Prints each result as an aligned table, and keeps the same tables as markdown to print at the end.</summary>
internal sealed class Report
{
    private readonly TextWriter _out;
    private readonly StringBuilder _markdown = new();

    public Report(TextWriter output) => _out = output;

    public void Line(string text) => _out.WriteLine(text);

    /// <summary>Prints the machine the figures come from; also the first lines of the markdown snippet.</summary>
    public void Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            ?.Split(':', 2)[1].Trim() ?? "unknown";
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Machine: {Environment.ProcessorCount} cores ({cpu}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {load} at start");
        _out.WriteLine(text);
        _markdown.AppendLine(text).AppendLine();
    }

    public void Note(string text)
    {
        _out.WriteLine(text);
        _markdown.AppendLine(text).AppendLine();
    }

    public void Table(string title, string[] headers, IReadOnlyList<string[]> rows)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        _out.WriteLine();
        _out.WriteLine(title);
        _out.WriteLine(Row(headers, widths));
        _out.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            _out.WriteLine(Row(row, widths));
        }
        _out.WriteLine();

        _markdown.AppendLine(CultureInfo.InvariantCulture, $"**{title}**").AppendLine();
        _markdown.AppendLine("| " + string.Join(" | ", headers) + " |");
        _markdown.AppendLine("|" + string.Concat(headers.Select(_ => "---|")));
        foreach (var row in rows)
        {
            _markdown.AppendLine("| " + string.Join(" | ", row) + " |");
        }
        _markdown.AppendLine();
    }

    private readonly List<string[]> _figures = [];

    /// <summary>One figure of issue 18's table, kept for <see cref="Figures"/> (the <c>fleet</c> mode's summary).</summary>
    public void Figure(string figure, string value, string how)
    {
        lock (_figures)
        {
            _figures.Add([figure, value, how]);
        }
    }

    /// <summary>Prints the figures collected so far as one table.</summary>
    public void Figures(string title)
    {
        lock (_figures)
        {
            Table(title, ["figure", "value", "how"], [.. _figures]);
        }
    }

    public void PrintMarkdown()
    {
        _out.WriteLine("---- markdown ----");
        _out.Write(_markdown.ToString());
    }

    public static string Us(double microseconds) => microseconds.ToString("0", CultureInfo.InvariantCulture);

    public static string Fixed(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Row(string[] cells, int[] widths)
        => string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));
}
