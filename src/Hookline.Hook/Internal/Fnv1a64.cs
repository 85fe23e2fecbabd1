namespace Hookline.Hook.Internal;

/// <summary>64-bit FNV-1a: a cheap payload digest for orphan records (identification, not security).</summary>
internal static class Fnv1a64
{
    private const ulong OffsetBasis = 0xcbf29ce484222325;
    private const ulong Prime = 0x100000001b3;

    internal static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = OffsetBasis;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }
        return hash;
    }
}
