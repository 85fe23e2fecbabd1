namespace Hookline.Sidecar.Internal.Spool;

/// <summary>
/// The spool files of a state directory: one per session, each guarded by a lock file its sidecar holds open for
/// its lifetime. A starting sidecar adopts the files whose owner is gone, so events of a crashed session with no
/// successor are still delivered (with their own session id).
/// </summary>
internal sealed class SpoolDirectory : IDisposable
{
    private readonly FileStream _lock;

    private SpoolDirectory(string directory, string sessionId, FileStream @lock)
    {
        Directory = directory;
        SessionId = sessionId;
        _lock = @lock;
    }

    public string Directory { get; }

    public string SessionId { get; }

    public string DatabasePath => Path.Combine(Directory, SessionId + ".db");

    /// <summary>Set when the spool directory let other users in: worth a warning, not a change.</summary>
    public string? ModeWarning { get; private init; }

    /// <summary>Takes this session's lock. Throws <see cref="IOException"/> when another sidecar runs this session.</summary>
    public static SpoolDirectory Claim(string stateDirectory, string sessionId)
    {
        var directory = Path.Combine(stateDirectory, "spool");
        var warning = Core.PrivateFiles.CreateDirectory(directory);
        try
        {
            return new SpoolDirectory(directory, sessionId, OpenLock(directory, sessionId)) { ModeWarning = warning };
        }
        catch (IOException ex)
        {
            throw new IOException($"another sidecar already runs session {sessionId} (its spool is locked)", ex);
        }
    }

    /// <summary>Events left by sessions whose sidecar is gone; their files are deleted once the events are in <paramref name="into"/>.</summary>
    public async Task<int> AdoptOrphanedAsync(EventSpool into)
    {
        var adopted = 0;
        foreach (var database in System.IO.Directory.EnumerateFiles(Directory, "*.db"))
        {
            var session = Path.GetFileNameWithoutExtension(database);
            if (session == SessionId)
            {
                continue;
            }
            FileStream otherLock;
            try
            {
                otherLock = OpenLock(Directory, session);
            }
            catch (IOException)
            {
                continue; // Its sidecar is alive.
            }
            using (otherLock)
            {
                await using (var other = new SpoolStore(database))
                {
                    foreach (var row in other.Load())
                    {
                        into.Adopt(row);
                        adopted++;
                    }
                }
                await into.FlushToDiskAsync().ConfigureAwait(false);
                foreach (var suffix in new[] { "", "-wal", "-shm" })
                {
                    File.Delete(database + suffix);
                }
                File.Delete(Path.Combine(Directory, session + ".lock"));
            }
        }
        return adopted;
    }

    // FileShare.None takes an exclusive advisory lock (flock) on Unix; it is released when the process dies.
    private static FileStream OpenLock(string directory, string sessionId) =>
        Core.PrivateFiles.Open(Path.Combine(directory, sessionId + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

    public void Dispose() => _lock.Dispose();
}
