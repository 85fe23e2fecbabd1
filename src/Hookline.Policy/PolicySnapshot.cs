namespace Hookline.Policy;

/// <summary>An immutable compiled policy with its epoch: what the server and sidecar hold and swap atomically.</summary>
public sealed record PolicySnapshot(ulong Epoch, CompiledPolicy Policy, DateTimeOffset IssuedAt)
{
    /// <summary>The document hash (lowercase hex SHA-256), so a reverted document is still recognisable.</summary>
    public string Hash => Policy.Document.Hash;

    /// <summary>True when the snapshot is older than <paramref name="maxAge"/> at <paramref name="now"/>.</summary>
    public bool IsStale(DateTimeOffset now, TimeSpan maxAge) => now - IssuedAt > maxAge;
}
