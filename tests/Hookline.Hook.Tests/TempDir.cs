namespace Hookline.Hook.Tests;

/// <summary>A private directory under /tmp, short enough for Unix socket paths (108-byte limit).</summary>
internal sealed class TempDir : IDisposable
{
    internal TempDir()
    {
        Path = Directory.CreateTempSubdirectory("hlh-").FullName;
    }

    internal string Path { get; }

    internal string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir must not fail a test.
        }
    }
}
