using System.Net.Sockets;
using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>
/// The real GitHub Copilot CLI (npm <c>@github/copilot</c>), offline with its own model provider pointed at the fake
/// Chat Completions API, wired by <c>hookline start --agent copilot</c> or by <c>hookline install</c>.
/// </summary>
public sealed class CopilotCliTests(ITestOutputHelper output)
{
    /// <summary>
    /// Offline bring-your-own-model mode (no GitHub login, no DNS), and the user's own Copilot settings and hook file,
    /// which every run must leave byte for byte as they were. The user's hook touches a file, to show it still runs.
    /// Copilot redacts the provider key from everything it prints, so the key is a word no command contains.
    /// </summary>
    internal static string[] Configure(AgentRun run)
    {
        run.Environment["COPILOT_OFFLINE"] = "true";
        run.Environment["COPILOT_PROVIDER_BASE_URL"] = "{API_URL}/v1";
        run.Environment["COPILOT_PROVIDER_API_KEY"] = "fake-provider-key-for-hookline-tests";
        run.Environment["COPILOT_MODEL"] = "gpt-4.1";
        var home = Path.Combine(run.Home, ".copilot");
        var settings = Path.Combine(home, "settings.json");
        var userHook = Path.Combine(home, "hooks", "mine.json");
        Directory.CreateDirectory(Path.GetDirectoryName(userHook)!);
        File.WriteAllText(settings, "{\n  \"banner\": \"never\",\n  \"autoUpdate\": false\n}\n");
        File.WriteAllText(userHook, $$"""
            { "version": 1, "hooks": { "postToolUse": [ { "type": "command", "bash": "touch {{UserHookMarker(run)}}", "timeoutSec": 10 } ] } }
            """);
        return [settings, userHook];
    }

    private static string UserHookMarker(AgentRun run) => Path.Combine(run.Directory, "user-hook-ran");

    /// <summary>Prompt mode; every tool and path allowed by Copilot's own permissions, so only the hooks decide.</summary>
    internal static readonly string[] Prompt = ["-p", "Run the scripted commands.", "--allow-all-tools", "--allow-all-paths", "--output-format", "json"];

    [SkippableFact]
    public async Task Deny_ask_and_allow_reach_copilot_cli_and_its_model_and_the_audit_trail()
    {
        AgentClients.RequireClient("copilot");
        using var run = new AgentRun(output);
        var before = AgentRun.Snapshot(Configure(run));

        await run.RunAsync([run.Denied, run.Asked, run.Allowed], run.Start("copilot", Prompt));

        Expect.DeniedAndToldTheModel(run);
        // Copilot cannot ask in -p: Hookline's ask is a deny that says approval is needed.
        Assert.False(run.Exists("ask-me.txt"), "the asked command ran");
        Assert.Contains(run.ModelRequests(), body => body.Contains("approval needed: hookline-test: a person must confirm", StringComparison.Ordinal));
        Expect.AllowedRan(run);
        Expect.Audited(await run.EventsAsync());
        AgentRun.AssertUnchanged(before);
        Assert.True(File.Exists(UserHookMarker(run)), "the user's own Copilot hook did not run beside Hookline's");
    }

    /// <summary>
    /// An allow is a grant in Copilot: without <c>--allow-all-tools</c>, a command that only the policy's default
    /// allows gets no answer and Copilot's own permissions refuse it in <c>-p</c>; the explicit allow rule runs its command.
    /// </summary>
    [SkippableFact]
    public async Task Only_an_explicit_allow_rule_grants_a_tool_and_the_default_leaves_copilots_own_permissions_in_force()
    {
        AgentClients.RequireClient("copilot");
        using var run = new AgentRun(output);
        Configure(run);

        await run.RunAsync([$"touch {run.Project}/by-default.txt", run.Allowed], run.Start("copilot", "-p", "Run the scripted commands.", "--output-format", "json"));

        Assert.False(run.Exists("by-default.txt"), "a default allow granted a tool that Copilot's own permissions did not");
        Expect.AllowedRan(run);
    }

    [SkippableFact]
    public async Task A_rule_that_rewrites_the_command_makes_copilot_cli_run_the_rewritten_one()
    {
        AgentClients.RequireClient("copilot");
        using var run = new AgentRun(output);
        Configure(run);
        Expect.UseRewritingPolicy(run);

        await run.RunAsync([Expect.RewriteCommand(run)], run.Start("copilot", Prompt));

        Expect.RewrittenRanInstead(run);
    }

    [SkippableFact]
    public async Task With_the_sidecar_down_installed_hooks_keep_the_tool_from_running_and_uninstall_restores_the_users_files()
    {
        AgentClients.RequireClient("copilot");
        using var run = new AgentRun(output);
        var before = AgentRun.Snapshot([.. Configure(run), Installed(run)]);
        await run.InstallAsync("copilot");
        run.Environment["HOOKLINE_SOCKET"] = run.DeadSocket;

        await run.RunAsync([run.Allowed], [AgentClients.Client("copilot"), .. Prompt]);

        // The first blocking event is the prompt: the hook's fail-mode answer there is {"decision":"block"}, the one
        // answer Copilot obeys for userPromptSubmitted, so the prompt never reaches the model and no tool can run.
        Expect.BlockedWithoutSidecar(run, "copilot");
        Assert.Contains("\"event\":\"user-prompt-submitted\",\"decision\":\"deny\"", run.Orphans, StringComparison.Ordinal);
        Assert.DoesNotContain(run.ModelRequests(), body => body.Contains("Denied by preToolUse hook", StringComparison.Ordinal));
        await run.UninstallAsync("copilot");
        AgentRun.AssertUnchanged(before);
    }

    /// <summary>
    /// A sidecar that takes the hook's request and never answers: the hook's own deadline (5 s) passes well inside
    /// Copilot's hook timeout (the wiring's 30 s), so the fail mode's deny reaches Copilot before Copilot gives up on
    /// the hook and lets the tool run.
    /// </summary>
    [SkippableFact]
    public async Task With_the_sidecar_hung_installed_hooks_keep_the_tool_from_running()
    {
        AgentClients.RequireClient("copilot");
        using var run = new AgentRun(output);
        Configure(run);
        await run.InstallAsync("copilot");
        // Only the tool's hook, so that the prompt reaches the model and it is preToolUse that must block.
        KeepOnlyPreToolUse(Installed(run));
        using var hung = HungSidecar.Listen(run);
        run.Environment["HOOKLINE_SOCKET"] = hung.SocketPath;

        await run.RunAsync([run.Allowed], [AgentClients.Client("copilot"), .. Prompt]);

        Assert.True(hung.Connections > 0, "the hook never reached the hung sidecar");
        BlockedByPreToolUse(run);
    }

    /// <summary>The model asked for the tool, and the preToolUse hook's fail-mode deny kept it from running.</summary>
    private static void BlockedByPreToolUse(AgentRun run)
    {
        Expect.BlockedWithoutSidecar(run, "copilot");
        Assert.Contains("\"event\":\"pre-tool-use\",\"decision\":\"deny\"", run.Orphans, StringComparison.Ordinal);
        Assert.Contains(run.ModelRequests(), body => body.Contains("Denied by preToolUse hook", StringComparison.Ordinal));
    }

    private static void KeepOnlyPreToolUse(string hooksFile)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(hooksFile))!.AsObject();
        var hooks = document["hooks"]!.AsObject();
        foreach (var name in hooks.Select(h => h.Key).Where(k => k != "preToolUse").ToList())
        {
            hooks.Remove(name);
        }
        File.WriteAllText(hooksFile, document.ToJsonString());
    }

    private static string Installed(AgentRun run) => Path.Combine(run.Home, ".copilot", "hooks", "hookline.json");

    /// <summary>A Unix socket that accepts every connection and never writes a byte back.</summary>
    private sealed class HungSidecar : IDisposable
    {
        private readonly Socket _listener;
        private readonly List<Socket> _held = [];
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        private HungSidecar(string socketPath)
        {
            SocketPath = socketPath;
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            _listener.Listen(16);
            _ = AcceptAsync();
        }

        public string SocketPath { get; }

        public int Connections => Volatile.Read(ref _connections);

        /// <summary>In a directory of its own, mode 0700: the hook trusts no other.</summary>
        public static HungSidecar Listen(AgentRun run)
        {
            var directory = Path.Combine(run.Directory, "hung");
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new HungSidecar(Path.Combine(directory, "sidecar.sock"));
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var connection = await _listener.AcceptAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    lock (_held)
                    {
                        _held.Add(connection);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Dispose();
            lock (_held)
            {
                _held.ForEach(s => s.Dispose());
            }
            _stop.Dispose();
        }
    }
}
