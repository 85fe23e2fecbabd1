namespace Hookline.Cli.Wiring;

/// <summary>
/// Codex runs a user hook only after the user trusted that exact hook definition (it records
/// <c>[hooks.state."KEY"] trusted_hash</c> in config.toml). The hash is Codex's own, so Hookline does not forge it;
/// it tells the user the one step that trusts the hooks.
/// </summary>
internal static class CodexTrust
{
    public static string NextStep(InstallTarget target) =>
        "Codex runs new hooks only once you trust them: start `codex`, type /hooks, and trust the Hookline hooks listed "
        + $"from {target.SettingsFile}. Until then Codex skips them (and warns at start-up). "
        + "`hookline start --agent codex` needs no trust step.";
}
