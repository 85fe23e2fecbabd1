namespace Hookline.EndToEnd.Tests;

/// <summary>
/// <c>hookline install --agent codex</c> records Codex's trust in config.toml, taking key and hash from Codex's
/// <c>app-server</c> <c>hooks/list</c>. Here a stand-in <c>codex</c> answers that call the way Codex 0.169 does, with
/// hashes of its own and a trust status read from config.toml; the real client is in Hookline.Agents.Tests.
/// </summary>
public sealed class CodexTrustTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("hl-codex-trust-").FullName;

    private string CodexHome => Path.Combine(_home, ".codex");

    private string Config => Path.Combine(CodexHome, "config.toml");

    private string FakeBin => Path.Combine(_home, "bin");

    private static readonly string[] Events = ["pre_tool_use", "permission_request", "post_tool_use", "session_start", "user_prompt_submit", "stop"];

    /// <summary>A user's own config.toml: comments, layout, no newline at the end: a byte-level round trip means something.</summary>
    private const string UserConfig = "# my settings\nmodel = \"gpt-5\"   # the one I like\n\n[hooks.state.\"/elsewhere/hooks.json:stop:0:0\"]\ntrusted_hash = \"sha256:mine\"\n\n[features]\nplugins = false";

    public CodexTrustTests()
    {
        Directory.CreateDirectory(CodexHome);
        Directory.CreateDirectory(FakeBin);
        // Answers initialize and hooks/list; a hook is trusted when config.toml holds its key with its hash.
        var script = """
            #!/bin/bash
            [ "$1" = app-server ] || exit 64
            read -r init; read -r initialized; read -r list
            echo '{"id":1,"result":{"codexHome":"'"$CODEX_HOME"'"}}'
            hooks=""
            for ev in EVENTS; do
              kebab=${ev//_/-}
              key="$CODEX_HOME/hooks.json:$ev:0:0"
              hash="sha256:fake-$ev"
              status=untrusted
              if grep -qF "[hooks.state.\"$key\"]" "$CODEX_HOME/config.toml" 2>/dev/null && grep -qF "\"$hash\"" "$CODEX_HOME/config.toml"; then status=trusted; fi
              hooks="$hooks${hooks:+,}{\"key\":\"$key\",\"command\":\"/opt/hookline/hookline-hook --agent codex --event $kebab\",\"sourcePath\":\"$CODEX_HOME/hooks.json\",\"currentHash\":\"$hash\",\"trustStatus\":\"$status\"}"
            done
            echo '{"id":2,"result":{"data":[{"cwd":"'"$PWD"'","hooks":['"$hooks"']}]}}'
            """.Replace("EVENTS", string.Join(' ', Events), StringComparison.Ordinal);
        var fake = Path.Combine(FakeBin, "codex");
        File.WriteAllText(fake, script);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private Dictionary<string, string> Env(bool withCodex) => new()
    {
        ["HOME"] = _home,
        ["CODEX_HOME"] = CodexHome,
        ["XDG_STATE_HOME"] = Path.Combine(_home, "state"),
        ["PATH"] = (withCodex ? FakeBin + ":" : "") + "/usr/bin:/bin",
    };

    [Fact]
    public async Task Install_writes_a_trust_entry_per_hook_keeps_every_byte_of_the_users_config_and_uninstall_takes_exactly_them_out()
    {
        await File.WriteAllTextAsync(Config, UserConfig);

        var install = await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true));

        Assert.True(install.Exit == 0, install.Stderr);
        Assert.Contains("Codex trusts the 6 Hookline hooks", install.Stdout, StringComparison.Ordinal);
        var config = await File.ReadAllTextAsync(Config);
        Assert.StartsWith(UserConfig + "\n", config, StringComparison.Ordinal);
        foreach (var ev in Events)
        {
            Assert.Contains($"[hooks.state.\"{CodexHome}/hooks.json:{ev}:0:0\"]\ntrusted_hash = \"sha256:fake-{ev}\"\n", config, StringComparison.Ordinal);
        }

        // Idempotent: Codex already trusts them, nothing is added twice.
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true))).Exit);
        Assert.Equal(config, await File.ReadAllTextAsync(Config));

        var doctor = await CliRun.RunAsync(["doctor", "--agent", "codex", "--server-http", "http://127.0.0.1:9"], Env(withCodex: true));
        Assert.Contains("ok    codex trust: Codex trusts the 6 Hookline hooks", doctor.Stdout, StringComparison.Ordinal);

        var uninstall = await CliRun.RunAsync(["uninstall", "--agent", "codex"], Env(withCodex: true));
        Assert.True(uninstall.Exit == 0, uninstall.Stderr);
        Assert.Contains("6 Codex trust entries removed", uninstall.Stdout, StringComparison.Ordinal);
        Assert.Equal(UserConfig, await File.ReadAllTextAsync(Config));
    }

    [Fact]
    public async Task A_trust_entry_the_user_changed_after_install_is_theirs_and_stays()
    {
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true))).Exit);
        var changed = (await File.ReadAllTextAsync(Config)).Replace("sha256:fake-stop", "sha256:reviewed-by-me", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Config, changed);

        Assert.Equal(0, (await CliRun.RunAsync(["uninstall", "--agent", "codex"], Env(withCodex: true))).Exit);

        var left = await File.ReadAllTextAsync(Config);
        Assert.Equal($"[hooks.state.\"{CodexHome}/hooks.json:stop:0:0\"]\ntrusted_hash = \"sha256:reviewed-by-me\"\n", left);
    }

    [Fact]
    public async Task Without_a_codex_to_ask_install_prints_the_step_and_doctor_reports_the_hooks_untrusted()
    {
        var install = await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: false));

        Assert.Equal(0, install.Exit);
        Assert.Contains("NOT YET TRUSTED", install.Stderr, StringComparison.Ordinal);
        Assert.Contains("type /hooks", install.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Config));
        var doctor = await CliRun.RunAsync(["doctor", "--agent", "codex", "--server-http", "http://127.0.0.1:9"], Env(withCodex: false));
        Assert.Equal(1, doctor.Exit);
        Assert.Contains("FAIL  codex trust: no trust entry", doctor.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_toml_that_is_not_valid_toml_is_left_alone_and_the_step_is_printed()
    {
        await File.WriteAllTextAsync(Config, "model = [unclosed\n");

        var install = await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true));

        Assert.Contains("not valid TOML", install.Stderr, StringComparison.Ordinal);
        Assert.Contains("type /hooks", install.Stderr, StringComparison.Ordinal);
        Assert.Equal("model = [unclosed\n", await File.ReadAllTextAsync(Config));
        var doctor = await CliRun.RunAsync(["doctor", "--agent", "codex", "--server-http", "http://127.0.0.1:9"], Env(withCodex: true));
        Assert.Contains("FAIL  codex trust: Codex does not trust 6 of the 6 Hookline hooks", doctor.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
