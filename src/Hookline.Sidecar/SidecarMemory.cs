using System.Runtime.InteropServices;

namespace Hookline.Sidecar;

/// <summary>
/// The garbage collector settings a sidecar process runs with. Measured with smaps (docs/benchmarks.md), the sidecar's
/// growth under hook traffic is the GC's committed regions: with its default gen0 budget, sized from the CPU's cache
/// (tens of MiB on a server CPU), the heap stays committed at that size although little survives. A small budget and
/// small regions bound it. The GC reads these once, when the process starts, and the server runs in the same binary
/// with its defaults, so the sidecar sets them in its environment and replaces its process by itself (same pid).
/// </summary>
public static partial class SidecarMemory
{
    /// <summary>The settings, as the runtime reads them from the environment (values in hexadecimal, no 0x).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Settings { get; } =
    [
        // At most 2 MiB allocated between gen0 collections: a hook allocates a few KiB, nearly all of it short-lived.
        new("DOTNET_GCgen0MaxBudget", "200000"),
        // 1 MiB regions (4 MiB by default): each generation holds less committed and free space.
        new("DOTNET_GCRegionSize", "100000"),
    ];

    /// <summary>
    /// Gives the memory a burst of hooks leaves behind back once the process has been quiet for a second (a full,
    /// compacting collection per burst); for the process that runs a sidecar, until disposed.
    /// </summary>
    public static IDisposable TrimWhenQuiet(TimeProvider time) => Internal.Memory.QuietTrim.ForThisProcess(time);

    private static readonly string[] Subcommands = ["status", "install", "uninstall"];

    /// <summary>
    /// True for <c>hookline sidecar</c> (and <c>--daemon</c>) on Linux started without the settings in its environment.
    /// One already set, by the user or by the restart, is left as it is (and ends the restart: it never loops).
    /// </summary>
    public static bool NeedsRestart(IReadOnlyList<string> args)
        => OperatingSystem.IsLinux() && args.Count > 0 && args[0] == "sidecar"
            && !(args.Count > 1 && Subcommands.Contains(args[1]))
            && Settings.All(setting => Environment.GetEnvironmentVariable(setting.Key) is null)
            && Environment.ProcessPath is not null;

    /// <summary>
    /// Replaces this process by the same binary with the same arguments and <see cref="Settings"/> added to its
    /// environment. Returns only when that fails: the sidecar then runs on with the runtime's defaults.
    /// </summary>
    public static void Restart(IReadOnlyList<string> args)
    {
        var path = Environment.ProcessPath!;
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(entry => $"{entry.Key}={entry.Value}")
            .Concat(Settings.Select(setting => $"{setting.Key}={setting.Value}"));
        var argv = Native([path, .. args]);
        var envp = Native(environment);
        try
        {
            // Called before the CLI writes anything: no buffered output is lost with the old process image.
            Exec(path, argv, envp);
        }
        finally
        {
            Free(argv);
            Free(envp);
        }
    }

    private static void Exec(string path, nint[] argv, nint[] envp)
    {
        try
        {
            _ = execve(path, argv, envp);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A libc without execve: run on with the defaults.
        }
    }

    /// <summary>A null-terminated array of UTF-8 strings, as execve takes it.</summary>
    private static nint[] Native(IEnumerable<string> strings)
        => [.. strings.Select(Marshal.StringToCoTaskMemUTF8), 0];

    private static void Free(nint[] strings)
    {
        foreach (var pointer in strings)
        {
            Marshal.FreeCoTaskMem(pointer);
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int execve(string path, nint[] argv, nint[] envp);
}
