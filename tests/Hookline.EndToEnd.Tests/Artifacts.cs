using System.Diagnostics;

namespace Hookline.EndToEnd.Tests;

/// <summary>
/// The published binaries under test: <c>artifacts/bin/hookline</c> and the Native AOT <c>artifacts/bin/hookline-hook</c>.
/// <c>./build.sh</c> makes them; when they are missing, the first test publishes them once.
/// </summary>
internal static class Artifacts
{
    private static readonly Lazy<string> Bin = new(EnsurePublished, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Hookline => Path.Combine(Bin.Value, "hookline");

    public static string Hook => Path.Combine(Bin.Value, "hookline-hook");

    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hookline.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Hookline.slnx not found above " + AppContext.BaseDirectory);
    }

    private static string EnsurePublished()
    {
        var bin = Path.Combine(RepositoryRoot, "artifacts", "bin");
        if (!File.Exists(Path.Combine(bin, "hookline")) || !File.Exists(Path.Combine(bin, "hookline-hook")))
        {
            Publish("src/Hookline.Cli", bin, aot: true);
            Publish("src/Hookline.Hook.Exe", bin, aot: true);
        }
        return bin;
    }

    private static void Publish(string project, string output, bool aot)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "publish", project, "-c", "Release", "-o", output, "--nologo", "-v", "quiet" })
        {
            start.ArgumentList.Add(arg);
        }
        if (aot)
        {
            start.ArgumentList.Add("-r");
            start.ArgumentList.Add("linux-x64");
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {project} failed:\n{stdout.Result}\n{stderr.Result}");
        }
    }
}
