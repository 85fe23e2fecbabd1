using System.Globalization;
using Xunit.Abstractions;

namespace Hookline.Reliability.Tests;

/// <summary>
/// One row of the reliability table: events sent, stored, duplicated and lost, and the hook p99. Printed to the test
/// output and appended to <c>artifacts/reliability/results.md</c>, from which docs/reliability.md's table is taken.
/// </summary>
internal static class ScenarioReport
{
    private static readonly Lock FileLock = new();

    public static string ResultsFile => Path.Combine(Repository.Root, "artifacts", "reliability", "results.md");

    public static void Write(ITestOutputHelper output, string scenario, int sent, int stored, int duplicated, int lost,
        IEnumerable<HookOutcome> hooks, IEnumerable<double> sidecarLatenciesMs, string note = "")
    {
        var hookList = hooks.ToList();
        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {scenario} | {sent} | {stored} | {duplicated} | {lost} | {Burst.P99Ms(hookList):0.0} | " +
            $"{Burst.Percentile(sidecarLatenciesMs, 0.99):0.0} | {note} |");
        WriteLine(output, row);
    }

    /// <summary>A line of figures, to the test output and the results file.</summary>
    public static void WriteLine(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        lock (FileLock)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ResultsFile)!);
            File.AppendAllText(ResultsFile, $"{DateTimeOffset.UtcNow:u} {line}\n");
        }
    }
}
