using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Hookline.Server.Internal.Auth;
using static Hookline.Server.Tests.ApprovalSupport;

namespace Hookline.Server.Tests;

/// <summary>With tokens: an approval belongs to its principal's session, and only those the rule names may answer it.</summary>
public sealed class ApprovalAuthTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
        => _server = await TestServer.StartAsync(_dir, ApprovalSupport.Policy, o => o.Auth = ServerAuthMode.Required);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private StreamClient Stream(string? user)
    {
        var token = Tokens.Create(_dir.File("data"), (user ?? "nobody") + "-" + Guid.NewGuid().ToString("N")[..8], TokenScope.Sidecar, user, "acme").Token;
        return new StreamClient(_server.ClientWith(token).ProcessHookEvent());
    }

    [Fact]
    public async Task Another_principal_cannot_wait_on_an_approval_and_only_a_named_approver_other_than_the_agents_user_answers()
    {
        var session = Guid.NewGuid().ToString();
        await using var alice = await OpenAsync(_server, session, stream: Stream("alice"));
        var pending = await PendingAsync(alice, Deploy(session));
        var bobsSession = Guid.NewGuid().ToString();
        await using var bob = await OpenAsync(_server, bobsSession, stream: Stream("bob"));

        await bob.SendAsync(new ProcessHookEventRequest { AwaitApproval = new AwaitApproval { ApprovalId = pending.ApprovalId } });
        var refused = await ResolvedAsync(bob);
        var self = await AnswerAsync(_server, pending.ApprovalId, true, approver: new Approver("alice", ["sre"], "acme", Authenticated: true));
        var unnamed = await AnswerAsync(_server, pending.ApprovalId, true, approver: new Approver("bob", ["dev"], "acme", Authenticated: true));
        var otherOrg = await AnswerAsync(_server, pending.ApprovalId, true, approver: new Approver("carol", ["sre"], "globex", Authenticated: true));
        var sre = await AnswerAsync(_server, pending.ApprovalId, true, approver: new Approver("carol", ["sre"], "acme", Authenticated: true));
        var resolved = await ResolvedAsync(alice);

        Assert.Equal((Verdict.Deny, ApprovalProtocol.NotFoundCode), (refused.Verdict, refused.ReasonCode));
        Assert.Equal(AnswerOutcome.SelfApproval, self.Outcome);
        Assert.Equal(AnswerOutcome.NotAllowed, unnamed.Outcome);
        Assert.Equal(AnswerOutcome.NotFound, otherOrg.Outcome);
        Assert.Null(otherOrg.Approval);
        Assert.Equal(AnswerOutcome.Answered, sre.Outcome);
        Assert.Equal(("acme", "alice"), (sre.Approval!.Org, sre.Approval.User));
        Assert.Equal((Verdict.Allow, "carol"), (resolved.Verdict, resolved.AnsweredBy));
        Assert.Empty(await Desk(_server).ListAsync("globex", null, 10, default));
        Assert.Single(await Desk(_server).ListAsync("acme", null, 10, default));
    }

    [Fact]
    public async Task Without_self_approve_an_approval_of_an_unknown_user_is_refused_to_everyone()
    {
        var session = Guid.NewGuid().ToString();
        // A sidecar token created without --user: the agent's user is unknown, so it could be any approver.
        await using var nobody = await OpenAsync(_server, session, stream: Stream(null));
        var pending = await PendingAsync(nobody, Deploy(session));

        var sre = await AnswerAsync(_server, pending.ApprovalId, true, approver: new Approver("carol", ["sre"], "acme", Authenticated: true));
        var named = await AnswerAsync(_server, pending.ApprovalId, true, approver: new Approver("alice", [], "acme", Authenticated: true));

        Assert.Equal("", sre.Approval!.User);
        Assert.Equal(AnswerOutcome.SelfApproval, sre.Outcome);
        Assert.Contains("user is unknown", sre.Message);
        Assert.Equal(AnswerOutcome.SelfApproval, named.Outcome);
        Assert.Equal(ApprovalProtocol.StatusPending, (await Desk(_server).FindAsync(null, pending.ApprovalId, default))!.Status);
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("ALICE")]
    [InlineData("\uFF41lice")] // a fullwidth a: the same name after NFKC
    public async Task The_agents_own_user_cannot_answer_under_another_spelling(string spelling)
    {
        spelling = System.Text.RegularExpressions.Regex.Unescape(spelling);
        var session = Guid.NewGuid().ToString();
        await using var alice = await OpenAsync(_server, session, stream: Stream("alice"));
        var pending = await PendingAsync(alice, Deploy(session));

        var self = await AnswerAsync(_server, pending.ApprovalId, true, approver: new Approver(spelling, ["sre"], "acme", Authenticated: true));

        Assert.Equal(AnswerOutcome.SelfApproval, self.Outcome);
        Assert.Equal(ApprovalProtocol.StatusPending, (await Desk(_server).FindAsync(null, pending.ApprovalId, default))!.Status);
    }
}
