using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>The real Codex CLI, wired by <c>hookline start --agent codex</c>, against a fake Responses API.</summary>
public sealed class CodexTests(ITestOutputHelper output)
{
    /// <summary>A Codex home with a model provider on the fake API; the plugin features off, so nothing reaches a remote host.</summary>
    internal static string Configure(AgentRun run)
    {
        var codexHome = Path.Combine(run.Directory, "codex");
        Directory.CreateDirectory(codexHome);
        File.WriteAllText(Path.Combine(codexHome, "config.toml"), """
            model = "gpt-fake"
            model_provider = "fake"

            [model_providers.fake]
            name = "fake"
            base_url = "http://127.0.0.1:9/v1"
            wire_api = "responses"
            env_key = "FAKE_OPENAI_KEY"

            [features]
            plugins = false
            remote_plugin = false
            apps = false
            """);
        run.Environment["CODEX_HOME"] = codexHome;
        run.Environment["FAKE_OPENAI_KEY"] = "sk-fake";
        return codexHome;
    }

    // The fake API's address is known only inside the launcher, so it comes as a -c override, not in config.toml.
    internal static readonly string[] Exec =
    [
        "exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox",
        "-c", "model_providers.fake.base_url=\"{API_URL}/v1\"", "Run the scripted commands.",
    ];

    [SkippableFact]
    public async Task Deny_ask_and_allow_reach_codex_and_its_model_and_the_audit_trail()
    {
        AgentClients.RequireClient("codex");
        using var run = new AgentRun(output);
        var codexHome = Configure(run);
        var userHooks = Path.Combine(codexHome, "hooks.json");
        File.WriteAllText(userHooks, """{ "hooks": { "Stop": [ { "hooks": [ { "type": "command", "command": "true" } ] } ] } }""");
        var before = AgentRun.Snapshot(userHooks, Path.Combine(codexHome, "config.toml"));

        await run.RunAsync([run.Denied, run.Asked, run.Allowed], run.Start("codex", Exec));

        Expect.DeniedAndToldTheModel(run);
        // Codex hooks have no ask: it becomes a deny that says approval is needed.
        Assert.False(run.Exists("ask-me.txt"), "the asked command ran");
        Assert.Contains(run.ModelRequests(), body => body.Contains("approval needed", StringComparison.Ordinal));
        Expect.AllowedRan(run);
        Expect.Audited(await run.EventsAsync());
        AgentRun.AssertUnchanged(before);
    }

    [SkippableFact]
    public async Task A_rule_that_rewrites_the_command_makes_codex_run_the_rewritten_one()
    {
        AgentClients.RequireClient("codex");
        using var run = new AgentRun(output);
        Configure(run);
        Expect.UseRewritingPolicy(run);

        await run.RunAsync([Expect.RewriteCommand(run)], run.Start("codex", Exec));

        Expect.RewrittenRanInstead(run);
    }

    [SkippableFact]
    public async Task Installed_hooks_are_trusted_by_install_itself_and_with_the_sidecar_down_keep_the_tool_from_running()
    {
        AgentClients.RequireClient("codex");
        using var run = new AgentRun(output);
        var codexHome = Configure(run);
        var config = Path.Combine(codexHome, "config.toml");
        var before = AgentRun.Snapshot(config);
        await run.InstallAsync("codex");
        Assert.Contains("[hooks.state.", File.ReadAllText(config), StringComparison.Ordinal);
        run.Environment["HOOKLINE_SOCKET"] = run.DeadSocket;

        // No --dangerously-bypass-hook-trust: Codex runs the hooks only because install recorded its trust.
        await run.RunAsync([run.Allowed], [AgentClients.Client("codex"), .. Exec]);

        Expect.BlockedWithoutSidecar(run, "codex");
        await run.UninstallAsync("codex");
        AgentRun.AssertUnchanged(before);
    }

    [SkippableFact]
    public async Task Installed_next_to_the_users_own_hooks_in_config_toml_both_run_and_uninstall_leaves_it_byte_identical()
    {
        AgentClients.RequireClient("codex");
        using var run = new AgentRun(output);
        var codexHome = Configure(run);
        var config = Path.Combine(codexHome, "config.toml");
        // The user's own hook, declared in config.toml's [hooks] table (not hooks.json), and trusted by them.
        File.AppendAllText(config, $"""

            [[hooks.PreToolUse]]
            matcher = "Bash"
            [[hooks.PreToolUse.hooks]]
            type = "command"
            command = "echo mine >> {run.Project}/user-hook-ran.txt"
            """);
        await CodexHookList.TrustAsync(codexHome, run.Project, config);
        var hooksJson = Path.Combine(codexHome, "hooks.json");
        var before = AgentRun.Snapshot(config, hooksJson);

        await run.InstallAsync("codex");

        var listed = await CodexHookList.ListAsync(codexHome, run.Project);
        Assert.All(listed, h => Assert.True(h.Trusted, h.Key));
        Assert.Single(listed, h => h.SourcePath == config);
        Assert.Single(listed, h => h.Command.Contains("--event pre-tool-use", StringComparison.Ordinal));
        // No --dangerously-bypass-hook-trust: both the user's hook and Hookline's run on their recorded trust.
        await RunThroughDaemonAsync(run);
        Assert.True(run.Exists("user-hook-ran.txt"), "the user's own hook in config.toml did not run");
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run.Project, "user-hook-ran.txt")).Length);
        await run.UninstallAsync("codex");
        AgentRun.AssertUnchanged(before);
    }

    [SkippableFact]
    public async Task Hooklines_hooks_already_declared_in_config_toml_are_trusted_there_and_run_once()
    {
        AgentClients.RequireClient("codex");
        using var run = new AgentRun(output);
        var codexHome = Configure(run);
        var config = Path.Combine(codexHome, "config.toml");
        // The user copied Hookline's hooks into config.toml's [hooks] table themselves.
        foreach (var (native, kebab) in new[] { ("PreToolUse", "pre-tool-use"), ("PermissionRequest", "permission-request"), ("PostToolUse", "post-tool-use"),
            ("UserPromptSubmit", "user-prompt-submit"), ("SessionStart", "session-start"), ("Stop", "stop") })
        {
            File.AppendAllText(config, $"\n\n[[hooks.{native}]]\n[[hooks.{native}.hooks]]\ntype = \"command\"\ncommand = \"{AgentClients.Hook} --agent codex --event {kebab}\"\ntimeout = 30");
        }
        var hooksJson = Path.Combine(codexHome, "hooks.json");
        var before = AgentRun.Snapshot(config, hooksJson);

        await run.InstallAsync("codex");

        Assert.False(File.Exists(hooksJson), "install added a second copy of Hookline's hooks, which Codex would run too");
        var listed = await CodexHookList.ListAsync(codexHome, run.Project);
        Assert.Equal(6, listed.Count(h => h.SourcePath == config && h.Trusted));
        Assert.Equal(6, listed.Count);
        await RunThroughDaemonAsync(run);
        await run.UninstallAsync("codex");
        AgentRun.AssertUnchanged(before);
    }

    /// <summary>
    /// Codex asks for the denied and the allowed command with installed hooks, which reach the per-user daemon and
    /// its policy: the denied one is blocked with the reason, the allowed one runs, both are audited, and Hookline's
    /// PreToolUse hook ran once per tool call, not once per file it could be declared in.
    /// </summary>
    private static async Task RunThroughDaemonAsync(AgentRun run)
    {
        run.Environment["HOOKLINE_HOOK_TIMEOUT_MS"] = "30000";
        await using (await UserDaemon.StartAsync(run))
        {
            await run.RunAsync([run.Denied, run.Allowed], [AgentClients.Client("codex"), .. Exec]);
        }
        Expect.DeniedAndToldTheModel(run);
        Expect.AllowedRan(run);
        var events = await run.EventsAsync();
        Expect.Audited(events);
        Assert.Equal(2, events.Count(e => e.GetProperty("hook_event").GetString() == "PreToolUse"));
    }

    /// <summary>Why install never adds a second copy: Codex loads hooks.json and config.toml's [hooks] and runs both.</summary>
    [SkippableFact]
    public async Task Codex_runs_a_hook_declared_in_both_hooks_json_and_config_toml_twice()
    {
        AgentClients.RequireClient("codex", withHookline: false);
        using var run = new AgentRun(output);
        var codexHome = Configure(run);
        var command = $"echo ran >> {run.Project}/hook-ran.txt";
        File.AppendAllText(Path.Combine(codexHome, "config.toml"),
            $"\n\n[[hooks.PreToolUse]]\nmatcher = \"Bash\"\n[[hooks.PreToolUse.hooks]]\ntype = \"command\"\ncommand = \"{command}\"\n");
        File.WriteAllText(Path.Combine(codexHome, "hooks.json"),
            $$"""{ "hooks": { "PreToolUse": [ { "matcher": "Bash", "hooks": [ { "type": "command", "command": "{{command}}" } ] } ] } }""");

        await run.RunAsync([run.Allowed], [AgentClients.Client("codex"), "--dangerously-bypass-hook-trust", .. Exec]);

        Expect.AllowedRan(run);
        Assert.Contains("prefer a single representation", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run.Project, "hook-ran.txt")).Length);
    }
}
