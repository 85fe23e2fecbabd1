namespace Hookline.Agents.Tests;

/// <summary>Where the repository, the published Hookline binaries and the npm-installed agent clients are.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary><c>artifacts/bin</c>, made by <c>./build.sh</c>.</summary>
    public static string Bin => Path.Combine(Root, "artifacts", "bin");

    public static string Hookline => Path.Combine(Bin, "hookline");

    public static string Hook => Path.Combine(Bin, "hookline-hook");

    /// <summary>The pinned clients of <c>tests/agents/package.json</c> (<c>npm ci</c> there installs them).</summary>
    public static string Client(string name) => Path.Combine(Root, "tests", "agents", "node_modules", ".bin", name);

    /// <summary>The launcher: this test assembly (see <see cref="Program"/>).</summary>
    public static string Launcher => typeof(Program).Assembly.Location;

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

    /// <summary>
    /// Skips (with the reason) when a client or the published binaries are missing on a developer machine. In CI
    /// (<c>CI=true</c>) nothing is skipped: a missing client fails the test.
    /// </summary>
    /// <param name="withHookline">Whether the test also needs the published Hookline binaries.</param>
    public static void RequireClient(string name, bool withHookline = true)
    {
        var needed = withHookline ? new[] { Client(name), Hookline, Hook } : [Client(name)];
        var missing = needed.Where(p => !File.Exists(p)).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var message = "not found: " + string.Join(", ", missing) + " (run `npm ci` in tests/agents and ./build.sh)";
        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", message);
        Skip.If(true, message);
    }
}
