using System.Text;

namespace Hookline.Sidecar.Internal.Memory;

/// <summary>
/// The argv and envp of the sidecar's restart, built from the bytes the kernel holds for this process
/// (<c>/proc/self/cmdline</c>, <c>/proc/self/environ</c>) rather than from .NET strings: an argument or variable that is
/// not valid UTF-8 (a Latin-1 HOME or <c>--socket</c> path) comes back byte for byte, not as U+FFFD.
/// </summary>
internal sealed class RestartImage
{
    private RestartImage(IReadOnlyList<byte[]> argv, IReadOnlyList<byte[]> envp) => (Argv, Envp) = (argv, envp);

    /// <summary>The arguments, argv[0] included, each without its terminating NUL.</summary>
    public IReadOnlyList<byte[]> Argv { get; }

    /// <summary>The environment's <c>NAME=value</c> entries, each without its terminating NUL.</summary>
    public IReadOnlyList<byte[]> Envp { get; }

    /// <summary>
    /// The same arguments and environment with <paramref name="settings"/> appended; null when the command line is empty
    /// (nothing to restart with).
    /// </summary>
    public static RestartImage? From(ReadOnlySpan<byte> cmdline, ReadOnlySpan<byte> environ,
        IEnumerable<KeyValuePair<string, string>> settings)
    {
        var argv = Split(cmdline);
        if (argv.Count == 0)
        {
            return null;
        }
        var envp = Split(environ);
        envp.AddRange(settings.Select(setting => Encoding.UTF8.GetBytes($"{setting.Key}={setting.Value}")));
        return new RestartImage(argv, envp);
    }

    /// <summary>Reads this process's own; null when /proc cannot be read (the sidecar then runs on with the defaults).</summary>
    public static RestartImage? OfThisProcess(IEnumerable<KeyValuePair<string, string>> settings)
    {
        try
        {
            return From(File.ReadAllBytes("/proc/self/cmdline"), File.ReadAllBytes("/proc/self/environ"), settings);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The NUL-terminated entries of a /proc file (the last NUL may be missing: the kernel truncates nothing,
    /// but a process may have rewritten its own area).</summary>
    private static List<byte[]> Split(ReadOnlySpan<byte> bytes)
    {
        var entries = new List<byte[]>();
        while (!bytes.IsEmpty)
        {
            var end = bytes.IndexOf((byte)0);
            var entry = end < 0 ? bytes : bytes[..end];
            entries.Add(entry.ToArray());
            bytes = end < 0 ? [] : bytes[(end + 1)..];
        }
        return entries;
    }
}
