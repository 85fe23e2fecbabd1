namespace Hookline.Testing;

/// <summary>The repository the tests run from: its root (where Hookline.slnx is) and <c>artifacts/bin</c>.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary><c>artifacts/bin</c>, where <c>./build.sh</c> publishes <c>hookline</c> and <c>hookline-hook</c>.</summary>
    public static string Bin => Path.Combine(Root, "artifacts", "bin");

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
}
