using System.Net.Sockets;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>The real Qwen Code, wired by <c>hookline start --agent qwen</c> or <c>hookline install</c>, against a fake OpenAI API.</summary>
public sealed class QwenCodeTests(ITestOutputHelper output)
{
    /// <summary>
    /// The user's own ~/.qwen/settings.json: no usage statistics, telemetry, auto-update or managed auto-memory, and a
    /// PreToolUse hook of the user's own that notes each call in <c>user-hook.log</c>. <c>$version</c> is Qwen's current
    /// one: without it Qwen itself rewrites the file on start.
    /// </summary>
    internal static string Configure(AgentRun run)
    {
        var settings = Path.Combine(run.Home, ".qwen", "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(settings)!);
        File.WriteAllText(settings, $$"""
            {
              "$version": 4,
              "privacy": { "usageStatisticsEnabled": false },
              "telemetry": { "enabled": false },
              "general": { "enableAutoUpdate": false },
              "memory": { "enableManagedAutoMemory": false, "enableManagedAutoDream": false },
              "hooks": { "PreToolUse": [ { "matcher": "*", "hooks": [
                { "type": "command", "command": "echo called >> {{UserHookLog(run)}}", "timeout": 10 } ] } ] }
            }
            """);
        run.Environment["OPENAI_BASE_URL"] = "{API_URL}/v1";
        run.Environment["OPENAI_API_KEY"] = "x";
        run.Environment["OPENAI_MODEL"] = "m";
        run.Environment["QWEN_CODE_SUPPRESS_YOLO_WARNING"] = "1";
        return settings;
    }

    private static string UserHookLog(AgentRun run) => Path.Combine(run.Directory, "user-hook.log");

    internal static readonly string[] Prompt = ["Run the scripted commands.", "--auth-type", "openai", "--approval-mode", "yolo", "--output-format", "stream-json"];

    /// <summary>Stops Qwen (a node program) should it linger after its last turn.</summary>
    internal const string StopMarker = "node";

    [SkippableFact]
    public async Task Deny_ask_and_allow_reach_qwen_code_and_its_model_and_the_audit_trail_and_the_users_hooks_still_run()
    {
        AgentClients.RequireClient("qwen");
        using var run = new AgentRun(output);
        var before = AgentRun.Snapshot(Configure(run));

        await run.RunAsync([run.Denied, run.Asked, run.Allowed], run.Start("qwen", Prompt), StopMarker);

        Expect.DeniedAndToldTheModel(run);
        // Qwen headless turns ask into a deny and gives the model the reason, which says approval is needed.
        Assert.False(run.Exists("ask-me.txt"), "the asked command ran");
        Assert.Contains(run.ModelRequests(), body => body.Contains("approval needed: hookline-test: a person must confirm", StringComparison.Ordinal));
        Expect.AllowedRan(run);
        Expect.Audited(await run.EventsAsync());
        // Hookline's hooks came from the per-session system settings; the user's own ran beside them, once per call.
        Assert.Equal(3, File.ReadAllLines(UserHookLog(run)).Length);
        AgentRun.AssertUnchanged(before);
    }

    /// <summary>
    /// A <c>disableAllHooks</c> in the user's settings switches off every hook, the system scope's too; the per-session
    /// system settings of <c>hookline start</c> set it false, and the system scope wins the merge.
    /// </summary>
    [SkippableFact]
    public async Task A_user_setting_that_disables_all_hooks_does_not_switch_hookline_off()
    {
        AgentClients.RequireClient("qwen");
        using var run = new AgentRun(output);
        var settings = Configure(run);
        var json = JsonNode.Parse(File.ReadAllText(settings))!.AsObject();
        json["disableAllHooks"] = true;
        File.WriteAllText(settings, json.ToJsonString());
        var before = AgentRun.Snapshot(settings);

        await run.RunAsync([run.Denied, run.Allowed], run.Start("qwen", Prompt), StopMarker);

        Expect.DeniedAndToldTheModel(run);
        Expect.AllowedRan(run);
        AgentRun.AssertUnchanged(before);
    }

    [SkippableFact]
    public async Task A_rule_that_rewrites_the_command_is_denied_in_qwen_code_which_would_run_the_original()
    {
        AgentClients.RequireClient("qwen");
        using var run = new AgentRun(output);
        Configure(run);
        Expect.UseRewritingPolicy(run);

        await run.RunAsync([Expect.RewriteCommand(run)], run.Start("qwen", Prompt), StopMarker);

        Assert.False(run.Exists("rewrite-me.txt"), "the model's own command ran although the policy rewrites it");
        Assert.False(run.Exists("rewritten.txt"), "Qwen Code ran a rewritten command it has no way to receive");
        Assert.Contains(run.ModelRequests(), body => body.Contains("cannot pass a rewritten input on", StringComparison.Ordinal));
        Assert.Contains(await run.EventsAsync(), e => e.GetProperty("hook_event").GetString() == "PreToolUse"
            && e.GetProperty("applied").GetString() == "deny" && e.GetProperty("reason_code").GetString() == "rewrite_unsupported");
    }

    /// <summary>
    /// Qwen lets the tool run on every hook failure but an explicit block, so the hook itself must block when the
    /// sidecar is down (nothing listens) or hung (it takes the connection and never answers). Installed hooks, then only
    /// Hookline's PreToolUse kept, so that the prompt reaches the model and it is the tool call's own hook that blocks.
    /// Uninstall gives the user's settings back byte for byte.
    /// </summary>
    [SkippableTheory]
    [InlineData("down")]
    [InlineData("hung")]
    public async Task With_the_sidecar_down_or_hung_installed_hooks_keep_the_tool_from_running(string sidecar)
    {
        AgentClients.RequireClient("qwen");
        using var run = new AgentRun(output);
        var settings = Configure(run);
        var before = AgentRun.Snapshot(settings);
        await run.InstallAsync("qwen");
        var installed = File.ReadAllBytes(settings);
        KeepOnlyPreToolUse(settings);
        // The hook trusts only a socket in a directory of its user's, mode 0700: these fail for the sidecar alone.
        var socketDirectory = Path.Combine(run.Directory, "run", "sidecar");
        Directory.CreateDirectory(socketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var socket = Path.Combine(socketDirectory, sidecar + ".sock");
        using var hung = sidecar == "hung" ? Hang(socket) : null;
        run.Environment["HOOKLINE_SOCKET"] = socket;

        await run.RunAsync([run.Allowed], [AgentClients.Client("qwen"), .. Prompt], StopMarker);

        Expect.BlockedWithoutSidecar(run, "qwen");
        Assert.Contains("\"event\":\"pre-tool-use\"", run.Orphans, StringComparison.Ordinal);
        // The model asked for the tool and was told why it did not run.
        Assert.Contains(run.ModelRequests(), body => body.Contains("policy unavailable", StringComparison.Ordinal));
        File.WriteAllBytes(settings, installed);
        await run.UninstallAsync("qwen");
        AgentRun.AssertUnchanged(before);
    }

    /// <summary>Removes every Hookline hook but PreToolUse's from the installed settings.</summary>
    private static void KeepOnlyPreToolUse(string settings)
    {
        var json = JsonNode.Parse(File.ReadAllText(settings))!.AsObject();
        var hooks = json["hooks"]!.AsObject();
        foreach (var (name, list) in hooks.ToList())
        {
            if (name == "PreToolUse")
            {
                continue;
            }
            foreach (var group in list!.AsArray().ToList())
            {
                if (group!.ToJsonString().Contains("hookline", StringComparison.Ordinal))
                {
                    list.AsArray().Remove(group);
                }
            }
        }
        File.WriteAllText(settings, json.ToJsonString());
    }

    /// <summary>A sidecar that hangs: the socket takes connections into its backlog and never answers one.</summary>
    private static Socket Hang(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(16);
        return socket;
    }
}
