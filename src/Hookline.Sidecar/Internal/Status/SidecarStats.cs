using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Sidecar.Internal.Status;

/// <summary>Counters of how hooks were answered, for the demo, <c>hookline sidecar status</c> and tests.</summary>
internal sealed class SidecarStats
{
    private const int Verdicts = 4;
    private const int Sources = 10;
    // Indexed by verdict * Sources + source.
    private readonly long[] _decisions = new long[Verdicts * Sources];
    private long _budgetMisses;

    /// <summary>Time from reading a blocking hook's request to answering it.</summary>
    public LatencyHistogram DecisionTime { get; } = new();

    public long Remote => BySource(DecisionSource.Remote);
    public long Local => BySource(DecisionSource.Local);
    public long FailClosed => BySource(DecisionSource.FailClosed);
    public long FailOpen => BySource(DecisionSource.FailOpen);
    public long NonBlocking => BySource(DecisionSource.NonBlocking);
    public long Malformed => BySource(DecisionSource.MalformedInput);
    public long BudgetMisses => Interlocked.Read(ref _budgetMisses);

    public void BudgetMiss() => Interlocked.Increment(ref _budgetMisses);

    public void Count(Verdict verdict, DecisionSource source) =>
        Interlocked.Increment(ref _decisions[Index(verdict, source)]);

    public long Of(Verdict verdict, DecisionSource source) => Interlocked.Read(ref _decisions[Index(verdict, source)]);

    private long BySource(DecisionSource source)
    {
        long total = 0;
        for (var verdict = 0; verdict < Verdicts; verdict++)
        {
            total += Of((Verdict)verdict, source);
        }
        return total;
    }

    private static int Index(Verdict verdict, DecisionSource source) =>
        Math.Clamp((int)verdict, 0, Verdicts - 1) * Sources + Math.Clamp((int)source, 0, Sources - 1);
}
