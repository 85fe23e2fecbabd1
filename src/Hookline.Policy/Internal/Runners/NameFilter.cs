namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// A 64-bit sketch of a set of names (by length and first and last character): most words that are not in the set are
/// told apart without hashing them, which keeps per-word look-ups off the allow path's budget.
/// </summary>
internal readonly struct NameFilter
{
    private readonly ulong _bits;

    public NameFilter(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            _bits |= Bit(name);
        }
    }

    public bool MayContain(ReadOnlySpan<char> name) => name.Length > 0 && (_bits & Bit(name)) != 0;

    private static ulong Bit(ReadOnlySpan<char> name) => name.Length == 0 ? 0 : 1UL << ((name.Length * 7 + name[0] * 3 + name[^1]) & 63);
}
