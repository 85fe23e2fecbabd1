using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Hookline.Testing.Fuzz;

/// <summary>
/// The budget and seed of one entry point's fuzz run. CI runs each entry point for a fixed time (the whole suite about
/// three minutes); <c>HOOKLINE_FUZZ_SECONDS</c> runs each longer, <c>HOOKLINE_FUZZ_SEED</c> replays a printed seed.
/// </summary>
public sealed class FuzzRun
{
    /// <summary>The hook's own wait for the sidecar (HOOKLINE_HOOK_TIMEOUT_MS default): an answer later than this is no answer.</summary>
    public static readonly TimeSpan AnswerBudget = TimeSpan.FromMilliseconds(5000);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ITestOutputHelper _output;
    private readonly string _entryPoint;
    private readonly List<double> _latenciesMs = [];

    public FuzzRun(ITestOutputHelper output, string entryPoint, int defaultSeconds)
    {
        _output = output;
        _entryPoint = entryPoint;
        Seed = ulong.TryParse(Environment.GetEnvironmentVariable("HOOKLINE_FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : 20261207;
        Budget = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("HOOKLINE_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out var s) && s > 0
            ? s : defaultSeconds);
        output.WriteLine($"fuzz {entryPoint}: seed {Seed} (HOOKLINE_FUZZ_SEED), budget {Budget.TotalSeconds:0} s (HOOKLINE_FUZZ_SECONDS)");
    }

    public ulong Seed { get; }

    public TimeSpan Budget { get; }

    /// <summary>Whether there is time left for another batch.</summary>
    public bool TimeLeft => _clock.Elapsed < Budget;

    /// <summary>Records how long one answer took, and fails on one over <see cref="AnswerBudget"/>.</summary>
    public void Answered(TimeSpan took, string what)
    {
        _latenciesMs.Add(took.TotalMilliseconds);
        Assert.True(took <= AnswerBudget, $"{what} was answered after {took.TotalMilliseconds:0} ms, over the {AnswerBudget.TotalMilliseconds:0} ms budget (seed {Seed})");
    }

    /// <summary>One line with the counts, for docs/security.md.</summary>
    public void Report(params (string Name, long Value)[] counts)
    {
        _latenciesMs.Sort();
        var p99 = _latenciesMs.Count == 0 ? 0 : _latenciesMs[Math.Min(_latenciesMs.Count - 1, (int)(_latenciesMs.Count * 0.99))];
        var max = _latenciesMs.Count == 0 ? 0 : _latenciesMs[^1];
        _output.WriteLine($"fuzz {_entryPoint}: " + string.Join(", ", counts.Select(c => $"{c.Name} {c.Value}"))
            + $"; answer p99 {p99:0.0} ms, max {max:0.0} ms; {_clock.Elapsed.TotalSeconds:0} s, seed {Seed}");
    }
}
