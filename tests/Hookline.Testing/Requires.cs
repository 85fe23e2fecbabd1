namespace Hookline.Testing;

/// <summary>
/// The one rule for tests whose tools are missing (agent clients, Chromium, node, PostgreSQL, nginx, openssl, root
/// for setpriv or useradd): on a developer machine the test is skipped with the reason; in CI (<c>CI=true</c>, which
/// <c>.ci/run</c> sets) nothing is skipped, so a missing tool fails the test. Use it in a <c>[SkippableFact]</c>.
/// </summary>
public static class Requires
{
    public static bool InCi => Environment.GetEnvironmentVariable("CI") == "true";

    /// <summary>Skips (outside CI) or fails (in CI) with <paramref name="reason"/> unless <paramref name="present"/>.</summary>
    public static void That(bool present, string reason)
    {
        if (present)
        {
            return;
        }
        Assert.False(InCi, reason + " (CI=true: a missing tool fails the test)");
        Skip.If(true, reason);
    }

    /// <summary>A program on PATH (or an absolute path that exists); returns its path.</summary>
    /// <param name="hint">How to get it, added to the reason.</param>
    public static string Tool(string name, string hint)
    {
        var path = Path.IsPathRooted(name) ? (File.Exists(name) ? name : null) : OnPath(name);
        That(path is not null, $"{name} is not installed: {hint}");
        return path!;
    }

    /// <summary>Root, for tests that act as other local users (setpriv, useradd, runuser).</summary>
    public static void Root(string why) => That(Environment.UserName == "root", "needs root " + why);

    /// <summary>A file the test needs (a published binary, an npm-installed client).</summary>
    public static void Files(IEnumerable<string> paths, string hint)
    {
        var missing = paths.Where(p => !File.Exists(p)).ToList();
        That(missing.Count == 0, "not found: " + string.Join(", ", missing) + $" ({hint})");
    }

    /// <summary>The first <paramref name="name"/> on PATH, or null.</summary>
    public static string? OnPath(string name) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
