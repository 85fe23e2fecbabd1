namespace Hookline.Hook.Tests;

/// <summary>
/// Two local uids no one else uses: a victim, whose hook runs, and an attacker. Only root can switch to them (with
/// setpriv); the numbers are drawn per test run so concurrent runs do not share /tmp/hookline-UID.
/// </summary>
internal static class OtherUsers
{
    private static readonly int Base = 61000 + Random.Shared.Next(0, 1500) * 2;

    internal static int Victim => Base;

    internal static int Attacker => Base + 1;

    /// <summary>Why a test that needs another uid cannot run here; null when it can.</summary>
    internal static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "needs root to switch uids (CI runs as root)";
        }
        if (!File.Exists("/usr/bin/setpriv"))
        {
            return "needs /usr/bin/setpriv to run a process as another uid";
        }
        return File.Exists("/usr/bin/perl") ? null : "needs /usr/bin/perl for the other user's listener";
    }

    /// <summary>The command prefix that runs a program as <paramref name="uid"/>, with no supplementary groups.</summary>
    internal static string[] As(int uid) => ["/usr/bin/setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups"];

    internal static async Task ChownAsync(string path, int uid)
    {
        using var chown = System.Diagnostics.Process.Start("chown", ["-h", $"{uid}:{uid}", path])!;
        await chown.WaitForExitAsync();
        Assert.True(chown.ExitCode == 0, $"chown {uid} {path} failed");
    }
}
