using System.Text;
using Hookline.Core;
using Hookline.Server;
using Hookline.Server.Internal.Approvals;
using Hookline.Server.Tests;
using Xunit.Abstractions;

namespace Hookline.Dashboard.Tests;

/// <summary>
/// The approvals pages in headless Chromium (tests/browser/approvals.test.mjs) against a server set up as
/// <c>hookline start</c> sets its own (tokens required, this run's dashboard credential, no gRPC port), in this
/// process so that the test makes the requests once the page is open and checks the answers where they land.
/// </summary>
public sealed class ApprovalBrowserTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task The_approvals_page_shows_requests_live_and_a_click_approves_one()
    {
        var chromium = BrowserTests.RequireBrowser();
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("policy.yaml"), Policies.Standard);
        var desk = new FakeApprovalDesk(TimeProvider.System);
        var dashboard = RunCredential.Create("start-dashboard", TokenScope.Read);
        var options = new HooklineServerOptions
        {
            Listen = "",
            HttpListen = "http://127.0.0.1:0",
            Auth = ServerAuthMode.Required,
            PolicyFile = dir.File("policy.yaml"),
            DataDirectory = dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            ApprovalDesk = desk,
        };
        options.RunCredentials.Add(dashboard);
        await using var server = await HooklineServer.StartAsync(options);
        var ids = new Dictionary<string, string>();

        var transcript = await ConverseAsync("approvals.test.mjs", chromium, new Dictionary<string, string>
        {
            ["BASE_URL"] = server.HttpAddress!,
            ["TOKEN"] = dashboard.Secret,
        }, async line =>
        {
            if (line == "PAGE-OPEN")
            {
                ids["A"] = desk.Add("kubectl delete ns payments --context prod <img src=x onerror=alert(1)>").Id;
                ids["B"] = desk.Add("terraform destroy", sessionId: "sess-other-0001").Id;
                ids["C"] = desk.Add("git push --force origin main").Id;
                return string.Join('\n', ids.Select(p => p.Key + " " + p.Value));
            }
            if (line.StartsWith("RESOLVE ", StringComparison.Ordinal))
            {
                var result = await desk.AnswerAsync(new Approver("ops", [], "", Authenticated: false), line["RESOLVE ".Length..], approve: false,
                    "answered from the CLI", ApprovalProtocol.ChannelCli, CancellationToken.None);
                Assert.Equal(AnswerOutcome.Answered, result.Outcome);
                return "RESOLVED";
            }
            return null;
        });

        Assert.Contains("all passed", transcript);
        var answers = desk.Taken.ToDictionary(a => a.Id);
        Assert.Equal(3, answers.Count);
        Assert.Equal((ApprovalProtocol.StatusApproved, "checked the diff"), (desk[ids["A"]].Status, desk[ids["A"]].Reason));
        Assert.Equal((ApprovalProtocol.ChannelDashboard, Environment.UserName), (answers[ids["A"]].Channel, answers[ids["A"]].Approver.User));
        Assert.Equal((ApprovalProtocol.StatusDenied, "not during the freeze"), (desk[ids["C"]].Status, desk[ids["C"]].Reason));
        Assert.Equal(ApprovalProtocol.ChannelLink, answers[ids["C"]].Channel);
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
