using System.Text;
using Hookline.Core;
using Hookline.Server;
using Hookline.Server.Internal.Approvals;
using Hookline.Contracts.V1;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Hookline.Dashboard.Tests;

/// <summary>
/// The approvals pages in headless Chromium (tests/browser/approvals.test.mjs) against a server set up as
/// <c>hookline start</c> sets its own (tokens required, this run's sidecar and dashboard credentials, no gRPC port),
/// in this process: its real approvals desk, and a real stream waiting on the approvals, as a sidecar holding hooks.
/// The test asks once the page is open, and checks each answer on the stream that waited and on the desk.
/// </summary>
public sealed class ApprovalBrowserTests(ITestOutputHelper output)
{
    private const string Policy = """
        version: 1
        default: allow
        rules:
          - id: prod-deploys
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [any-approver], timeout: 120s, on_timeout: deny}
        """;

    [SkippableFact]
    public Task The_approvals_page_shows_requests_live_and_a_click_approves_one_a_stream_waits_on()
        => ApproveInBrowserAsync(approverToken: false);

    /// <summary>As a team's server signs its approvers in: a token of scope approve alone, which answers as the user it names.</summary>
    [SkippableFact]
    public Task An_approve_token_signs_in_and_its_click_approves_a_request_a_stream_waits_on()
        => ApproveInBrowserAsync(approverToken: true);

    private async Task ApproveInBrowserAsync(bool approverToken)
    {
        var chromium = BrowserTests.RequireBrowser();
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("policy.yaml"), Policy);
        var sidecar = RunCredential.Create("start-sidecar", TokenScope.Sidecar);
        var dashboard = RunCredential.Create("start-dashboard", TokenScope.Read);
        var options = new HooklineServerOptions
        {
            Listen = "",
            HttpListen = "http://127.0.0.1:0",
            Auth = ServerAuthMode.Required,
            PolicyFile = dir.File("policy.yaml"),
            DataDirectory = dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        };
        options.RunCredentials.Add(sidecar);
        options.RunCredentials.Add(dashboard);
        await using var server = await HooklineServer.StartAsync(options);
        var desk = server.Services.GetRequiredService<IApprovalDesk>();
        await using var waiting = await WaitingSession.OpenAsync(server, sidecar);
        var (token, answerer) = approverToken
            ? (Tokens.Create(dir.File("data"), "approver", TokenScope.Approve, "bob", null).Token, "bob")
            : (dashboard.Secret, Environment.UserName);
        var ids = new Dictionary<string, string>();

        var transcript = await ConverseAsync("approvals.test.mjs", chromium, new Dictionary<string, string>
        {
            ["BASE_URL"] = server.HttpAddress!,
            ["TOKEN"] = token,
            ["AGENT_USER"] = Environment.UserName,
        }, async line =>
        {
            if (line == "PAGE-OPEN")
            {
                foreach (var (name, command) in new[]
                {
                    ("A", "kubectl annotate ns payments note=\"<img src=x onerror=alert(1)>\" --context prod"),
                    ("B", "kubectl rollout restart deploy/api --context prod"),
                    ("C", "kubectl scale deploy/web --replicas=0 --context prod"),
                })
                {
                    var decision = await waiting.DecideAsync(command);
                    Assert.Equal(Verdict.Pending, decision.Verdict);
                    ids[name] = decision.Approval.ApprovalId;
                }
                return string.Join('\n', ids.Select(p => p.Key + " " + p.Value));
            }
            if (line.StartsWith("RESOLVE ", StringComparison.Ordinal))
            {
                // As `hookline approvals deny` does under hookline start: the local user, through the CLI.
                var result = await desk.AnswerAsync(new Approver(Environment.UserName, [], "", Authenticated: false), line["RESOLVE ".Length..],
                    approve: false, "answered from the CLI", ApprovalProtocol.ChannelCli, CancellationToken.None);
                Assert.Equal(AnswerOutcome.Answered, result.Outcome);
                return "RESOLVED";
            }
            return null;
        });

        Assert.Contains("all passed", transcript);
        // The stream that waited heard each answer: the click's allow, the CLI's and the link's deny with their reasons.
        var resolved = await waiting.ResolvedAsync(ids["A"], ids["B"], ids["C"]);
        Assert.Equal((Verdict.Allow, ApprovalProtocol.ChannelDashboard, answerer),
            (resolved[ids["A"]].Verdict, resolved[ids["A"]].Channel, resolved[ids["A"]].AnsweredBy));
        Assert.Equal((Verdict.Deny, ApprovalProtocol.ChannelCli), (resolved[ids["B"]].Verdict, resolved[ids["B"]].Channel));
        Assert.Equal((Verdict.Deny, ApprovalProtocol.ChannelLink), (resolved[ids["C"]].Verdict, resolved[ids["C"]].Channel));
        Assert.Contains("not during the freeze", resolved[ids["C"]].Reason);
        var a = await desk.FindAsync(null, ids["A"], CancellationToken.None);
        var c = await desk.FindAsync(null, ids["C"], CancellationToken.None);
        Assert.Equal((ApprovalProtocol.StatusApproved, "checked the diff", ApprovalProtocol.ChannelDashboard), (a!.Status, a.Reason, a.Channel));
        Assert.Equal((ApprovalProtocol.StatusDenied, "not during the freeze", ApprovalProtocol.ChannelLink), (c!.Status, c.Reason, c.Channel));
    }

    /// <summary>
    /// Runs a browser script that talks to the test: each line it prints goes to <paramref name="reply"/>, whose answer
    /// (when not null) goes back on its stdin. Returns everything it printed; fails with it when the script fails.
    /// </summary>
    private async Task<string> ConverseAsync(string script, string chromium, Dictionary<string, string> environment, Func<string, Task<string?>> reply)
    {
        using var process = BrowserTests.StartScript(script, chromium, environment, withInput: true);
        var stderr = process.StandardError.ReadToEndAsync();
        var transcript = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                transcript.AppendLine(line);
                if (await reply(line) is { } answer)
                {
                    await process.StandardInput.WriteLineAsync(answer);
                    await process.StandardInput.FlushAsync(timeout.Token);
                }
            }
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within 3 minutes:\n{transcript}");
        }
        output.WriteLine(transcript.ToString());
        output.WriteLine(await stderr);
        Assert.True(process.ExitCode == 0, $"{script} failed:\n{transcript}\n{await stderr}");
        return transcript.ToString();
    }
}
