using Hookline.Sidecar.Internal;

namespace Hookline.Sidecar;

/// <summary>
/// The user's Hookline configuration for the per-user sidecar: <c>$XDG_CONFIG_HOME/hookline/sidecar.yaml</c> (default
/// <c>~/.config/hookline/sidecar.yaml</c>), written by <c>hookline install --server URL</c> and read by every start of
/// <c>hookline sidecar --daemon</c>: by hand, from the systemd unit, or on demand from a hook. It names the server the
/// daemon's sessions stream to, so it is trusted only when no one but this user can have written it.
/// </summary>
public static class DaemonConfigFile
{
    public const string FileName = "sidecar.yaml";

    private const UnixFileMode GroupOrOthers = (UnixFileMode)0b000_111_111;

    /// <summary><c>$XDG_CONFIG_HOME</c>, else <c>~/.config</c>: a relative value is ignored, as the XDG spec says.</summary>
    public static string ConfigHome()
    {
        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        return string.IsNullOrEmpty(config) || !Path.IsPathRooted(config)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config")
            : config;
    }

    /// <summary><c>$XDG_CONFIG_HOME/hookline</c>.</summary>
    public static string Directory() => Path.Combine(ConfigHome(), "hookline");

    public static string DefaultPath() => Path.Combine(Directory(), FileName);

    /// <summary>
    /// Why <paramref name="path"/> may not be trusted, or null when it may: it must be a regular file (a symlink is never
    /// followed) owned by this user, and neither it nor its directory may grant group or others any access (0600 and
    /// 0700, as install writes them), or be owned by someone else: a neighbour who can write either could point this
    /// user's hooks at a server of their choosing, and git checks out only 0644 and 0755, so a file from a cloned
    /// repository (say, by a project's $XDG_CONFIG_HOME) is never trusted.
    /// </summary>
    /// <exception cref="IOException">The path could not be inspected (other than not existing).</exception>
    public static string? Problem(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var platform = Platform.Current;
        if (DirectoryProblem(Path.GetDirectoryName(Path.GetFullPath(path))!) is { } directoryProblem)
        {
            return directoryProblem;
        }
        if (platform.Inspect(path) is not { } file)
        {
            return $"{path} does not exist";
        }
        if (file.IsDirectory || new FileInfo(path).LinkTarget is not null)
        {
            return $"{path} is not a regular file (a symlink is never followed)";
        }
        return Unsafe(path, file.Owner, file.Mode, platform.EffectiveUid, "600");
    }

    /// <summary>Why the file's directory may not be trusted (see <see cref="Problem"/>), or null when it may.</summary>
    /// <exception cref="IOException">The path could not be inspected (other than not existing).</exception>
    public static string? DirectoryProblem(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var platform = Platform.Current;
        if (platform.Inspect(directory) is not { } folder)
        {
            return $"{directory} does not exist";
        }
        return folder.IsDirectory
            ? Unsafe(directory, folder.Owner, folder.Mode, platform.EffectiveUid, "700")
            : $"{directory} is not a directory (a symlink is never followed)";
    }

    private static string? Unsafe(string path, uint owner, UnixFileMode mode, uint self, string privateMode)
    {
        if (owner != self)
        {
            return $"{path} belongs to uid {owner}, not to uid {self}; chown it or remove it";
        }
        return (mode & GroupOrOthers) != 0
            ? $"{path} has mode {Convert.ToString((int)mode, 8)}: group or others may access it; chmod {privateMode} {path}"
            : null;
    }
}
