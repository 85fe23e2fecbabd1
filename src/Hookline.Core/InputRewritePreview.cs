namespace Hookline.Core;

/// <summary>One field an allow rule's <c>set:</c> writes: its JSON before (null when the input had none) and after.</summary>
public sealed record InputRewriteField(string Name, string? Before, string After)
{
    /// <summary>False when the input already held this value.</summary>
    public bool Changed => Before != After;
}

/// <summary>What a rewriting allow does to one tool input: the rules that rewrite it, their fields, the whole new input.</summary>
public sealed record InputRewritePreview(IReadOnlyList<string> RuleIds, IReadOnlyList<InputRewriteField> Fields, byte[] RewrittenInput);
