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
        Repository.RequireClient("codex");
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
        Repository.RequireClient("codex");
        using var run = new AgentRun(output);
        Configure(run);
        Expect.UseRewritingPolicy(run);

        await run.RunAsync([Expect.RewriteCommand(run)], run.Start("codex", Exec));

        Expect.RewrittenRanInstead(run);
    }

    [SkippableFact]
    public async Task Installed_hooks_are_trusted_by_install_itself_and_with_the_sidecar_down_keep_the_tool_from_running()
    {
        Repository.RequireClient("codex");
        using var run = new AgentRun(output);
        var codexHome = Configure(run);
        var config = Path.Combine(codexHome, "config.toml");
        var before = AgentRun.Snapshot(config);
        await run.InstallAsync("codex");
        Assert.Contains("[hooks.state.", File.ReadAllText(config), StringComparison.Ordinal);
        run.Environment["HOOKLINE_SOCKET"] = run.DeadSocket;

        // No --dangerously-bypass-hook-trust: Codex runs the hooks only because install recorded its trust.
        await run.RunAsync([run.Allowed], [Repository.Client("codex"), .. Exec]);

        Expect.BlockedWithoutSidecar(run, "codex");
        await run.UninstallAsync("codex");
        AgentRun.AssertUnchanged(before);
    }
}
