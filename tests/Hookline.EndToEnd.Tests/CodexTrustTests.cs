using System.Text.RegularExpressions;

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
        // Answers initialize and hooks/list: it lists Hookline's hook for an event from hooks.json and from config.toml's
        // [hooks] table wherever the file names that event, as Codex does (key by file, hash by definition); a hook is
        // trusted when config.toml holds its key with its hash.
        var script = """
            #!/bin/bash
            [ "$1" = app-server ] || exit 64
            read -r init; read -r initialized; read -r list
            echo '{"id":1,"result":{"codexHome":"'"$CODEX_HOME"'"}}'
            hooks=""
            for source in hooks.json config.toml; do
              for ev in EVENTS; do
                kebab=${ev//_/-}
                grep -qF -- "--event $kebab" "$CODEX_HOME/$source" 2>/dev/null || continue
                key="$CODEX_HOME/$source:$ev:0:0"
                hash="sha256:fake-$ev"
                status=untrusted
                if grep -qF "[hooks.state.\"$key\"]" "$CODEX_HOME/config.toml" 2>/dev/null && grep -qF "\"$hash\"" "$CODEX_HOME/config.toml"; then status=trusted; fi
                hooks="$hooks${hooks:+,}{\"key\":\"$key\",\"command\":\"/opt/hookline/hookline-hook --agent codex --event $kebab\",\"sourcePath\":\"$CODEX_HOME/$source\",\"currentHash\":\"$hash\",\"trustStatus\":\"$status\"}"
              done
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
        AssertTrustRecorded(config, $"{CodexHome}/hooks.json");

        // Idempotent: Codex already trusts them, nothing is added twice.
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true))).Exit);
        Assert.Equal(config, await File.ReadAllTextAsync(Config));

        Assert.Contains("ok    codex trust: Codex trusts the 6 Hookline hooks", await DoctorAsync(), StringComparison.Ordinal);

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

    /// <summary>A user's config.toml that declares a hook of their own in its [hooks] table, no newline at the end.</summary>
    private static string UserConfigWithHooks => "# my settings\nmodel = \"gpt-5\"\n\n[[hooks.PreToolUse]]   # my own audit\nmatcher = \"Bash\"\n"
        + "[[hooks.PreToolUse.hooks]]\ntype = \"command\"\ncommand = \"/usr/local/bin/my-audit\"\n\n"
        + "[hooks.state.\"/elsewhere/hooks.json:stop:0:0\"]\ntrusted_hash = \"sha256:mine\"";

    /// <summary>Hookline's hook for one event as a user would copy it into config.toml's [hooks] table.</summary>
    private static string HooklineTomlHook(string ev) =>
        $"\n[[hooks.{Pascal(ev)}]]\n[[hooks.{Pascal(ev)}.hooks]]\ntype = \"command\"\ncommand = \"{Artifacts.Hook} --agent codex --event {ev.Replace('_', '-')}\"\ntimeout = 30\n";

    private static string Pascal(string snake) => string.Concat(snake.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private string HooksJson => Path.Combine(CodexHome, "hooks.json");

    /// <summary>config.toml holds a trust table for every Hookline hook declared in <paramref name="source"/>, with Codex's hash.</summary>
    private static void AssertTrustRecorded(string config, string source)
    {
        foreach (var ev in Events)
        {
            Assert.Contains($"[hooks.state.\"{source}:{ev}:0:0\"]\ntrusted_hash = \"sha256:fake-{ev}\"\n", config, StringComparison.Ordinal);
        }
    }

    private async Task<string> DoctorAsync()
    {
        var doctor = await CliRun.RunAsync(["doctor", "--agent", "codex", "--server-http", "http://127.0.0.1:9"], Env(withCodex: true));
        return doctor.Stdout;
    }

    [Fact]
    public async Task The_users_own_hooks_in_config_toml_stay_byte_for_byte_and_hooklines_go_to_hooks_json()
    {
        await File.WriteAllTextAsync(Config, UserConfigWithHooks);

        var install = await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true));

        Assert.True(install.Exit == 0, install.Stderr);
        Assert.Contains("Codex trusts the 6 Hookline hooks", install.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("already declares", install.Stdout, StringComparison.Ordinal);
        Assert.StartsWith(UserConfigWithHooks + "\n", await File.ReadAllTextAsync(Config), StringComparison.Ordinal);
        Assert.Equal(6, Regex.Count(await File.ReadAllTextAsync(HooksJson), "--agent codex --event "));
        var doctor = await DoctorAsync();
        Assert.Contains($"ok    codex hooks per event: one Hookline hook for each of the 6 events (6 in {HooksJson}, 0 in {Config})", doctor, StringComparison.Ordinal);
        Assert.Contains("ok    codex trust: Codex trusts the 6 Hookline hooks", doctor, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRun.RunAsync(["uninstall", "--agent", "codex"], Env(withCodex: true))).Exit);
        Assert.Equal(UserConfigWithHooks, await File.ReadAllTextAsync(Config));
        Assert.False(File.Exists(HooksJson));
    }

    [Fact]
    public async Task Hooklines_hooks_already_declared_in_config_toml_are_not_added_again_but_trusted_where_they_are()
    {
        var before = UserConfigWithHooks + "\n" + string.Concat(Events.Select(HooklineTomlHook));
        await File.WriteAllTextAsync(Config, before);
        const string userHooks = "{ \"hooks\": { \"Stop\": [ { \"hooks\": [ { \"type\": \"command\", \"command\": \"/usr/local/bin/my-stop\" } ] } ] } }  ";
        await File.WriteAllTextAsync(HooksJson, userHooks);

        var install = await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true));

        Assert.True(install.Exit == 0, install.Stderr);
        Assert.Contains("already declares Hookline's hooks for", install.Stdout, StringComparison.Ordinal);
        Assert.Contains("Codex trusts the 6 Hookline hooks", install.Stdout, StringComparison.Ordinal);
        Assert.Equal(userHooks, await File.ReadAllTextAsync(HooksJson)); // no second copy that Codex would run too
        var config = await File.ReadAllTextAsync(Config);
        Assert.StartsWith(before + "\n", config, StringComparison.Ordinal);
        AssertTrustRecorded(config, Config);

        // Idempotent.
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true))).Exit);
        Assert.Equal(config, await File.ReadAllTextAsync(Config));
        Assert.Equal(userHooks, await File.ReadAllTextAsync(HooksJson));
        var doctor = await DoctorAsync();
        Assert.Contains($"ok    codex hooks per event: one Hookline hook for each of the 6 events (0 in {HooksJson}, 6 in {Config})", doctor, StringComparison.Ordinal);
        Assert.Contains($"ok    codex trust: Codex trusts the 6 Hookline hooks in {Config}", doctor, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRun.RunAsync(["uninstall", "--agent", "codex"], Env(withCodex: true))).Exit);
        Assert.Equal(before, await File.ReadAllTextAsync(Config));
        Assert.Equal(userHooks, await File.ReadAllTextAsync(HooksJson));
    }

    [Fact]
    public async Task Doctor_reports_a_hook_declared_in_both_files_and_one_in_neither_and_install_mends_both()
    {
        await File.WriteAllTextAsync(Config, UserConfigWithHooks);
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true))).Exit);
        var installed = await File.ReadAllTextAsync(Config);

        // The user copies Hookline's PreToolUse hook into config.toml: Codex would now run it twice.
        await File.WriteAllTextAsync(Config, installed + HooklineTomlHook("pre_tool_use"));
        var doctor = await DoctorAsync();
        Assert.Contains("warn  codex hooks per event: Codex runs Hookline twice for PreToolUse (hooks.json and config.toml)", doctor, StringComparison.Ordinal);
        Assert.Contains("fix: delete the copy from the [hooks] table of", doctor, StringComparison.Ordinal);

        // Install again: it takes its own copy out of hooks.json and trusts the one in config.toml.
        var install = await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true));
        Assert.Contains("already declares Hookline's hooks for PreToolUse", install.Stdout, StringComparison.Ordinal);
        Assert.Contains("Codex trusts the 6 Hookline hooks", install.Stdout, StringComparison.Ordinal);
        Assert.Equal(5, Regex.Count(await File.ReadAllTextAsync(HooksJson), "--agent codex --event "));
        Assert.DoesNotContain("pre-tool-use", await File.ReadAllTextAsync(HooksJson), StringComparison.Ordinal);
        Assert.Contains($"(5 in {HooksJson}, 1 in {Config})", await DoctorAsync(), StringComparison.Ordinal);

        // The user deletes the copy again: PreToolUse is now in neither file, and tools would run ungoverned.
        await File.WriteAllTextAsync(Config, (await File.ReadAllTextAsync(Config)).Replace(HooklineTomlHook("pre_tool_use"), "", StringComparison.Ordinal));
        var missing = await CliRun.RunAsync(["doctor", "--agent", "codex", "--server-http", "http://127.0.0.1:9"], Env(withCodex: true));
        Assert.Equal(1, missing.Exit);
        Assert.Contains("FAIL  codex hooks per event: no Hookline hook for PreToolUse", missing.Stdout, StringComparison.Ordinal);
        Assert.Contains("fix: hookline install --agent codex", missing.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true))).Exit);
        Assert.Contains($"(6 in {HooksJson}, 0 in {Config})", await DoctorAsync(), StringComparison.Ordinal);

        Assert.Equal(0, (await CliRun.RunAsync(["uninstall", "--agent", "codex"], Env(withCodex: true))).Exit);
        Assert.Equal(UserConfigWithHooks, await File.ReadAllTextAsync(Config));
        Assert.False(File.Exists(HooksJson));
    }

    [Fact]
    public async Task A_hooks_inline_table_that_no_trust_table_may_extend_is_left_alone_and_the_step_is_printed()
    {
        const string inline = "hooks = { PreToolUse = [ { hooks = [ { type = \"command\", command = \"/usr/local/bin/my-audit\" } ] } ] }\n";
        await File.WriteAllTextAsync(Config, inline);

        var install = await CliRun.RunAsync(["install", "--agent", "codex"], Env(withCodex: true));

        Assert.Equal(0, install.Exit);
        Assert.Contains("NOT YET TRUSTED", install.Stderr, StringComparison.Ordinal);
        Assert.Contains("inline table", install.Stderr, StringComparison.Ordinal);
        Assert.Contains("type /hooks", install.Stderr, StringComparison.Ordinal);
        Assert.Equal(inline, await File.ReadAllTextAsync(Config));
        Assert.Equal(0, (await CliRun.RunAsync(["uninstall", "--agent", "codex"], Env(withCodex: true))).Exit);
        Assert.Equal(inline, await File.ReadAllTextAsync(Config));
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
