namespace Hookline.EndToEnd.Tests;

/// <summary><c>hookline policy replay</c> over the audit trail a real <c>hookline demo</c> (real hook processes) wrote.</summary>
public sealed class PolicyReplayCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-pol-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) => CliRun.RunAsync(args);

    [Fact]
    public async Task Replay_lists_the_stored_decisions_a_candidate_would_change()
    {
        var demo = await RunAsync("demo", "--data", _dir);
        Assert.True(demo.Exit == 0, demo.Stdout + demo.Stderr);
        var candidate = Path.Combine(_dir, "stricter.yaml");
        await File.WriteAllTextAsync(candidate, "version: 1\ndefault: allow\nrules:\n  - id: no-push\n    effect: deny\n    match: \"Bash(git push *)\"\n");

        var replay = await RunAsync("policy", "replay", candidate, "--data", Path.Combine(_dir, "data"));

        Assert.Equal(0, replay.Exit);
        // The demo's ask on git push becomes a deny; its rm -rf and .env denials become allows under this candidate.
        Assert.Contains("ask -> deny [no-push]", replay.Stdout);
        Assert.Contains("deny -> allow", replay.Stdout);
        Assert.Contains("decisions would change", replay.Stdout);
    }
}
