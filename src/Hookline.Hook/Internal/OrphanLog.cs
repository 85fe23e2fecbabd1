using System.Text;

namespace Hookline.Hook.Internal;

/// <summary>
/// Decisions the hook made without a sidecar, one JSON line each, for the next sidecar to send to the audit trail.
/// File: $HOOKLINE_ORPHAN_FILE, else $XDG_STATE_HOME/hookline/orphans.jsonl, else ~/.local/state/hookline/orphans.jsonl.
/// </summary>
internal static unsafe class OrphanLog
{
    private const int DirectoryMode = 0x1C0; // 0700
    private const int FileMode = 0x180;      // 0600

    /// <summary>Appends the record in a single O_APPEND write, so concurrent hooks never interleave lines.</summary>
    /// <returns>False when the record could not be written; the caller's decision stands either way.</returns>
    internal static bool TryAppend(OrphanRecord record)
    {
        try
        {
            var path = ResolvePath();
            if (path is null)
            {
                return false;
            }
            CreateParentDirectories(path);
            var line = record.ToJsonLine();
            var fd = OpenForAppend(path);
            if (fd < 0)
            {
                return false;
            }
            try
            {
                fixed (byte* start = line)
                {
                    return Libc.Write(fd, start, line.Length) == line.Length;
                }
            }
            finally
            {
                _ = Libc.Close(fd);
            }
        }
        catch (Exception)
        {
            // Recording is best effort: it must never change or delay the decision already taken.
            return false;
        }
    }

    private static string? ResolvePath()
    {
        var explicitFile = Environment.GetEnvironmentVariable("HOOKLINE_ORPHAN_FILE");
        if (!string.IsNullOrEmpty(explicitFile))
        {
            return explicitFile;
        }
        return XdgState.Home() is { } stateHome ? stateHome + "/hookline/orphans.jsonl" : null;
    }

    /// <summary>mkdir -p with 0700 for every directory it has to create; existing ones are left as they are.</summary>
    private static void CreateParentDirectories(string path)
    {
        for (var slash = path.IndexOf('/', 1); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            var directory = NulTerminated(path[..slash]);
            fixed (byte* start = directory)
            {
                Libc.MkDir(start, DirectoryMode); // EEXIST is the common, harmless answer
            }
        }
    }

    private static int OpenForAppend(string path)
    {
        var bytes = NulTerminated(path);
        fixed (byte* start = bytes)
        {
            return Libc.Open(start, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_CLOEXEC, FileMode);
        }
    }

    private static byte[] NulTerminated(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
