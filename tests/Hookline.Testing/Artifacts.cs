using System.Diagnostics;

namespace Hookline.Testing;

/// <summary>
/// The published binaries under test: <c>artifacts/bin/hookline</c> and the Native AOT <c>artifacts/bin/hookline-hook</c>.
/// <c>./build.sh</c> makes them; when they are missing, the first test publishes them once.
/// </summary>
public static class Artifacts
{
    private static readonly Lazy<string> Bin = new(EnsurePublished, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Hookline => Path.Combine(Bin.Value, "hookline");

    public static string Hook => Path.Combine(Bin.Value, "hookline-hook");

    private static string EnsurePublished()
    {
        var bin = Repository.Bin;
        if (!File.Exists(Path.Combine(bin, "hookline")) || !File.Exists(Path.Combine(bin, "hookline-hook")))
        {
            Publish("src/Hookline.Cli");
            Publish("src/Hookline.Hook.Exe");
        }
        return bin;
    }

    /// <summary>Publishes <paramref name="project"/> (Native AOT, linux-x64) into <c>artifacts/bin</c>, within 5 minutes.</summary>
    public static void Publish(string project)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "publish", project, "-c", "Release", "-r", "linux-x64", "-o", Repository.Bin, "--nologo", "-v", "quiet" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish {project} took over 5 minutes");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {project} failed:\n{stdout.Result}\n{stderr.Result}");
        }
    }
}
