namespace Hookline.Hook.Tests;

/// <summary>
/// The published hook copied into a directory any uid may run it from, with a stand-in <c>hookline</c> beside it
/// that only records that it was started: the hook's daemon autostart runs that program.
/// </summary>
internal sealed class HookCopy : IDisposable
{
    private readonly TempDir _dir = new();

    internal HookCopy()
    {
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        Shared = _dir.File("shared");
        Directory.CreateDirectory(Shared);
        File.SetUnixFileMode(Shared, (UnixFileMode)0b111_111_111);
        Hook = _dir.File("hookline-hook");
        File.Copy(PublishedHook.Path, Hook);
        File.SetUnixFileMode(Hook, (UnixFileMode)0b111_101_101);
        var daemon = _dir.File("hookline");
        File.WriteAllText(daemon, $"#!/bin/sh\necho \"$@\" >> {AutostartMarker}\n");
        File.SetUnixFileMode(daemon, (UnixFileMode)0b111_101_101);
    }

    internal string Hook { get; }

    /// <summary>A directory every uid may write to: orphan records, and the autostart marker.</summary>
    internal string Shared { get; }

    private string AutostartMarker => Path.Combine(Shared, "daemon-started");

    /// <summary>
    /// Whether the hook started the daemon. The hook spawns it without waiting, then retries until its timeout: a run
    /// that ended well before the timeout and left no marker did not start it.
    /// </summary>
    internal bool DaemonStarted => File.Exists(AutostartMarker);

    public void Dispose() => _dir.Dispose();
}
