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

    /// <summary>Root, setpriv and perl: skipped outside CI when missing, a failure in CI (<see cref="Requires"/>).</summary>
    internal static void Require()
    {
        Requires.Root("to switch uids (CI runs as root)");
        Requires.Tool("/usr/bin/setpriv", "util-linux runs a process as another uid");
        Requires.Tool("/usr/bin/perl", "the other user's listener is a perl script");
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
