namespace Hookline.Sidecar.Internal.Transcripts;

/// <summary>Where the sidecar may read an agent's transcript, and how much of it, per session.</summary>
/// <param name="Directories">The agent's own transcript directories; a transcript path outside them is refused.</param>
/// <param name="Budget">How long a hook's answer may wait for the read; what it has not found by then goes with a later event.</param>
/// <param name="MaxLineBytes">A longer line is skipped (with a log line), never held whole.</param>
/// <param name="MaxBytesPerPass">What one read takes in at most; the rest is read on the next event.</param>
/// <param name="MaxPassTime">How long one read may run in the background.</param>
internal sealed record TranscriptLimits(
    IReadOnlyList<string> Directories, TimeSpan Budget, int MaxLineBytes, long MaxBytesPerPass, TimeSpan MaxPassTime)
{
    /// <summary>Claude Code's: <c>$CLAUDE_CONFIG_DIR/projects</c> when set, and <c>~/.claude/projects</c>.</summary>
    public static TranscriptLimits Default() => new(ClaudeDirectories(), TimeSpan.FromMilliseconds(50), 4 << 20, 64L << 20, TimeSpan.FromSeconds(5));

    private static string[] ClaudeDirectories()
    {
        var directories = new List<string>();
        var configured = Environment.GetEnvironmentVariable("CLAUDE_CONFIG_DIR");
        if (!string.IsNullOrEmpty(configured) && Path.IsPathRooted(configured))
        {
            directories.Add(Path.Combine(configured, "projects"));
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0)
        {
            directories.Add(Path.Combine(home, ".claude", "projects"));
        }
        return directories.ToArray();
    }
}
