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

    internal static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Hookline.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Hookline.slnx not found above " + AppContext.BaseDirectory);
    }

    private static string EnsurePublished()
    {
        var binary = System.IO.Path.Combine(RepoRoot, "artifacts", "bin", "hookline-hook");
        Directory.CreateDirectory(System.IO.Path.Combine(RepoRoot, "artifacts"));
        using var publishLock = AcquireLock(System.IO.Path.Combine(RepoRoot, "artifacts", ".hookline-hook.publish.lock"));
        if (!IsUpToDate(binary))
        {
            Publish();
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
            .Select(folder => System.IO.Path.Combine(RepoRoot, "src", folder))
            .Where(Directory.Exists)
            .SelectMany(sources => Directory.EnumerateFiles(sources, "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .All(f => File.GetLastWriteTimeUtc(f) <= built);
    }

    private static void Publish()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "publish", "src/Hookline.Hook.Exe", "-c", "Release", "-r", "linux-x64", "-o", "artifacts/bin", "-nologo" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish of the hook took over 5 minutes");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet publish of the hook failed:\n" + stdout.Result + stderr.Result);
        }
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
