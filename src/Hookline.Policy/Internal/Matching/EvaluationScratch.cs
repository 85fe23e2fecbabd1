using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Matching;

/// <summary>
/// The reusable buffers of one thread's evaluations: text, the shell scan, the event subject and the rule lists. An
/// evaluation takes them at its start and leaves nothing in them that outlives it (decisions and explanations copy).
/// </summary>
internal sealed class EvaluationScratch
{
    [ThreadStatic]
    private static EvaluationScratch? t_current;

    private EvaluationScratch()
    {
        Shell = new ShellScan(Text);
        Subject = new EventSubject(this);
    }

    public static EvaluationScratch Current => t_current ??= new EvaluationScratch();

    public TextArena Text { get; } = new();
    public ShellScan Shell { get; }
    public EventSubject Subject { get; }
    public EvaluationContext Context { get; } = new();

    /// <summary>The files the Bash command being decided names in its arguments.</summary>
    public FileArguments.FileArgumentList FileArguments { get; } = new();

    /// <summary>Allow rules that matched, in document order.</summary>
    public List<CompiledRule> Allowed { get; } = [];

    /// <summary>Candidate buckets and their merge (see <see cref="RuleBuckets"/>).</summary>
    public List<CompiledRule[]> Buckets { get; } = [];

    public CompiledRule[] Merged { get; set; } = new CompiledRule[64];
}
