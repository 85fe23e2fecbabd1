namespace Hookline.Policy.Internal.Paths;

/// <summary>
/// What a path pattern is matched against besides the path: the project root that <c>./</c> and <c>/</c> anchor at,
/// the agent user's home (null when unknown), whether the file system ignores case, and how a <c>~</c> pattern reads an
/// unknown home. <paramref name="Broad"/> is true for deny and ask patterns (and the exceptions of allow rules): then
/// <c>~/x</c> matches <c>x</c> under any directory; false for allow patterns, where it matches nothing.
/// </summary>
internal readonly record struct PathFrame(string Root, string? Home, bool IgnoreCase, bool Broad)
{
    public StringComparison Comparison => IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
}
