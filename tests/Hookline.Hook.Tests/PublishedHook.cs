using System.Diagnostics;

namespace Hookline.Hook.Tests;

/// <summary>
/// Finds artifacts/bin/hookline-hook, publishing it once (per test run, and across concurrent runs via a lock file)
/// when it is missing or older than its sources.
/// </summary>
internal static class PublishedHook
{
    private static readonly Lazy<string> BinaryPath = new(EnsurePublished, LazyThreadSafetyMode.ExecutionAndPublication);

    internal static string Path => BinaryPath.Value;

    private static string EnsurePublished()
    {
        var binary = System.IO.Path.Combine(Repository.Bin, "hookline-hook");
        Directory.CreateDirectory(System.IO.Path.Combine(Repository.Root, "artifacts"));
        using var publishLock = AcquireLock(System.IO.Path.Combine(Repository.Root, "artifacts", ".hookline-hook.publish.lock"));
        if (!IsUpToDate(binary))
        {
            Artifacts.Publish("src/Hookline.Hook.Exe");
        }
        return File.Exists(binary) ? binary : throw new InvalidOperationException("publish produced no " + binary);
    }

    private static bool IsUpToDate(string binary)
    {
        if (!File.Exists(binary))
        {
            return false;
        }
        var built = File.GetLastWriteTimeUtc(binary);
        // The exe, its library, and the source it links from src/Shared.
        return new[] { "Hookline.Hook.Exe", "Hookline.Hook", "Shared" }
            .Select(folder => System.IO.Path.Combine(Repository.Root, "src", folder))
            .Where(Directory.Exists)
            .SelectMany(sources => Directory.EnumerateFiles(sources, "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .All(f => File.GetLastWriteTimeUtc(f) <= built);
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(6);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another test run is publishing; its lock goes away when it finishes. No signal crosses processes, so
                // this polls, bounded by the deadline (the IOException is thrown past it), inside a synchronous Lazy.
#pragma warning disable RS0030
                Thread.Sleep(200);
#pragma warning restore RS0030
            }
        }
    }
}
