namespace Hookline.LoadTool.Fixtures;

/// <summary>Where the published binaries of <c>./build.sh</c> live, found from the repository root.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Cli => Path.Combine(Root, "artifacts", "bin", "hookline");

    public static string Hook => Path.Combine(Root, "artifacts", "bin", "hookline-hook");

    private static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Hookline.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        return Environment.CurrentDirectory;
    }
}
