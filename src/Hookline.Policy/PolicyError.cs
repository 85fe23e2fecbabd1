namespace Hookline.Policy;

/// <summary>One validation error, located in the policy text (1-based line and column).</summary>
public sealed record PolicyError(string Source, int Line, int Column, string Message)
{
    /// <summary>Formats as <c>source:line:col: message</c>.</summary>
    public override string ToString() => $"{Source}:{Line}:{Column}: {Message}";
}

/// <summary>Thrown when a policy document is invalid. Carries every error found, not just the first.</summary>
public sealed class PolicyException : Exception
{
    public PolicyException(IReadOnlyList<PolicyError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>All errors, in document order.</summary>
    public IReadOnlyList<PolicyError> Errors { get; }

    private static string Format(IReadOnlyList<PolicyError> errors) =>
        errors.Count == 0 ? "invalid policy" : string.Join('\n', errors.Select(e => e.ToString()));
}
