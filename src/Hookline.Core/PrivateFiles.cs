namespace Hookline.Core;

/// <summary>
/// Hookline's own data, state and spool: directories 0700 and files 0600, set when each is created. The process umask
/// is left alone (<c>hookline start</c>'s agent inherits it, and the files it writes in the user's repository keep
/// their usual modes). An existing directory or file with a wider mode is reported, never changed: it may be the
/// user's own.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> and any missing parent 0700.</summary>
    /// <returns>A warning when the directory already existed with group or other bits, else null.</returns>
    public static string? CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return null;
        }
        var existed = Directory.Exists(path);
        // Directory.CreateDirectory(path, mode) gives the mode to the last directory only: create each one itself.
        var missing = new Stack<string>();
        for (var dir = Path.GetFullPath(path); !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!)
        {
            missing.Push(dir);
        }
        while (missing.TryPop(out var dir))
        {
            Directory.CreateDirectory(dir, DirectoryMode);
        }
        return existed ? TooOpen(path, DirectoryMode) : null;
    }

    /// <summary>
    /// Creates an empty file 0600 unless it exists, so that whoever opens it next (SQLite, whose <c>-wal</c> and
    /// <c>-shm</c> copy the database's mode) keeps it private.
    /// </summary>
    /// <returns>A warning when the file already existed with group or other bits, else null.</returns>
    public static string? CreateFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        try
        {
            using var created = new FileStream(path, OpenOptions(System.IO.FileMode.CreateNew, FileAccess.Write));
            return null;
        }
        catch (IOException) when (File.Exists(path))
        {
            return TooOpen(path, FileMode);
        }
    }

    /// <summary>A <see cref="FileStream"/> whose file, when this creates it, is 0600.</summary>
    public static FileStream Open(string path, System.IO.FileMode mode, FileAccess access, FileShare share = FileShare.Read)
        => new(path, OpenOptions(mode, access, share));

    private static FileStreamOptions OpenOptions(System.IO.FileMode mode, FileAccess access, FileShare share = FileShare.Read)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows() && mode != System.IO.FileMode.Open && mode != System.IO.FileMode.Truncate)
        {
            options.UnixCreateMode = FileMode;
        }
        return options;
    }

    /// <summary>
    /// A secret kept in a file (a signing key): its content with surrounding white space trimmed. Refused, naming
    /// <paramref name="flag"/>, when the file has group or other permission bits (any local user could read or replace
    /// the key), is empty, or holds more than <paramref name="maxBytes"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Unreadable, open to others, empty or too large.</exception>
    public static byte[] ReadSecret(string path, int maxBytes, string flag)
    {
        try
        {
            using var file = new FileStream(path, System.IO.FileMode.Open, FileAccess.Read);
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file.SafeFileHandle) & ~FileMode) != 0)
            {
                throw new ArgumentException($"{flag} {path} has mode {Convert.ToString((int)File.GetUnixFileMode(file.SafeFileHandle), 8)}: "
                    + $"other local users could read the secret; chmod {Convert.ToString((int)FileMode, 8)} it");
            }
            // A bounded prefix, never "to the end": a FIFO or /dev/zero has no end.
            var buffer = new byte[maxBytes + 1];
            var read = 0;
            for (int got; read < buffer.Length && (got = file.Read(buffer, read, buffer.Length - read)) > 0;)
            {
                read += got;
            }
            if (read > maxBytes)
            {
                throw new ArgumentException($"{flag} {path}: more than {maxBytes} bytes is not a secret");
            }
            var secret = buffer.AsSpan(0, read).Trim(" \t\r\n"u8).ToArray();
            return secret.Length > 0 ? secret : throw new ArgumentException($"{flag} {path}: the file is empty");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{flag} {path}: {ex.Message}", ex);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string? TooOpen(string path, UnixFileMode allowed)
    {
        var mode = File.GetUnixFileMode(path);
        return (mode & ~allowed) == 0
            ? null
            : $"{path} has mode {Convert.ToString((int)mode, 8)}: other local users can read Hookline's data there; "
              + $"chmod {Convert.ToString((int)allowed, 8)} it";
    }
}
