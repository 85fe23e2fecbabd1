using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>
/// A rewrite reaches only a sidecar that can apply it: one that does not announce <see cref="InputRewrite.SidecarCapability"/>
/// (an older version, which drops Codex and Gemini rewrites) gets a deny for those, so the original never runs.
/// </summary>
public sealed class RewriteCapabilityTests
{
    private const string Policy = """
        version: 1
        rules:
          - id: dry-run-pushes
            effect: allow
            match: "Bash(git push *)"
            set: {command: "git push --dry-run"}
        """;

    [Theory]
    [InlineData("codex", true, Verdict.Allow)]
    [InlineData("codex", false, Verdict.Deny)]
    [InlineData("gemini", false, Verdict.Deny)]
    [InlineData("claude", false, Verdict.Allow)]
    public async Task A_rewrite_goes_to_a_sidecar_that_announces_it_and_is_denied_to_one_that_does_not(string agent, bool announces, Verdict expected)
    {
        await using var server = await TestServer.StartAsync(Policy);
        var sessionId = Guid.NewGuid().ToString();
        await using var stream = new StreamClient(server.Client.ProcessHookEvent());
        var open = new Open { SessionId = sessionId, SidecarVersion = "test", Agent = agent };
        if (announces)
        {
            open.Capabilities.Add(InputRewrite.SidecarCapability);
        }
        await stream.SendAsync(new ProcessHookEventRequest { Open = open });
        var hookEvent = Events.Bash("git push origin main", sessionId);
        hookEvent.Agent = agent;

        var decision = await stream.DecideAsync(hookEvent);
        await stream.ReadUntilStoredAsync(hookEvent.EventId);

        Assert.Equal(expected, decision.Verdict);
        Assert.Equal(expected == Verdict.Allow, decision.UpdatedInput.ToStringUtf8().Contains("--dry-run"));
        Assert.Equal(expected == Verdict.Deny ? InputRewrite.UnsupportedReasonCode : "", expected == Verdict.Deny ? decision.ReasonCode : "");
        Assert.Equal(expected == Verdict.Deny ? "deny" : "allow",
            await server.ScalarAsync<string>("SELECT verdict FROM events WHERE event_id = @id", ("@id", hookEvent.EventId)));
    }
}
