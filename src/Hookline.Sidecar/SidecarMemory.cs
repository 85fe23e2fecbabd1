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
    /// Gives the memory a burst of hooks leaves behind back within half a second of the burst's end (a full, compacting
    /// collection per burst); for the process that runs a sidecar, until disposed.
    /// </summary>
    public static IDisposable TrimWhenQuiet(TimeProvider time) => Internal.Memory.QuietTrim.ForThisProcess(time);

    private static readonly string[] Subcommands = ["status", "install", "uninstall"];

    /// <summary>
    /// True for <c>hookline sidecar</c> (and <c>--daemon</c>) on Linux started without the settings in its environment,
    /// when this process is the Native AOT <c>hookline</c> itself. One already set, by the user or by the restart, is
    /// left as it is (and ends the restart: it never loops).
    /// </summary>
    public static bool NeedsRestart(IReadOnlyList<string> args) => IsOwnImage && WantsSettings(args);

    /// <summary>
    /// Native AOT: the running image is the app, so exec'ing it again starts the app. A JIT build runs inside a host
    /// (<c>dotnet hookline.dll</c>, or the apphost), whose command line the restart would have to rebuild: the
    /// <c>dotnet</c> host given <c>sidecar</c> looks up a <c>dotnet-sidecar</c> tool on PATH and runs that instead. A JIT
    /// build runs on with the runtime's defaults; <c>hookline</c> ships Native AOT.
    /// </summary>
    internal static bool IsOwnImage => !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>The invocations that run a sidecar, without the settings in the environment yet.</summary>
    internal static bool WantsSettings(IReadOnlyList<string> args)
        => OperatingSystem.IsLinux() && args.Count > 0 && args[0] == "sidecar"
            && !(args.Count > 1 && Subcommands.Contains(args[1]))
            && Settings.All(setting => Environment.GetEnvironmentVariable(setting.Key) is null);

    /// <summary>
    /// Replaces this process by the image it runs, with the same arguments and environment (the kernel's bytes, so
    /// nothing that is not UTF-8 changes) and <see cref="Settings"/> added. Returns only when that fails or /proc cannot
    /// be read: the sidecar then runs on with the runtime's defaults.
    /// </summary>
    public static void Restart()
    {
        if (Internal.Memory.RestartImage.OfThisProcess(Settings) is not { } image)
        {
            return;
        }
        var argv = Native(image.Argv);
        var envp = Native(image.Envp);
        try
        {
            // Called before the CLI writes anything: no buffered output is lost with the old process image.
            Exec(argv, envp);
        }
        finally
        {
            Free(argv);
            Free(envp);
        }
    }

    private static void Exec(nint[] argv, nint[] envp)
    {
        try
        {
            // The very image that is running, even when the file at its path has been replaced (an upgrade in place)
            // since it started; argv[0] stays what the caller gave.
            _ = execve("/proc/self/exe", argv, envp);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A libc without execve: run on with the defaults.
        }
    }

    /// <summary>A null-terminated array of NUL-terminated byte strings, as execve takes it.</summary>
    private static nint[] Native(IReadOnlyList<byte[]> strings)
    {
        var pointers = new nint[strings.Count + 1];
        for (var i = 0; i < strings.Count; i++)
        {
            pointers[i] = Marshal.AllocCoTaskMem(strings[i].Length + 1);
            Marshal.Copy(strings[i], 0, pointers[i], strings[i].Length);
            Marshal.WriteByte(pointers[i], strings[i].Length, 0);
        }
        return pointers;
    }

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
