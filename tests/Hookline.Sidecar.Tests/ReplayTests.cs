using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Spool;
using Hookline.Sidecar.Internal;

namespace Hookline.Sidecar.Tests;

/// <summary>A replay never carries an event without the decision its hook got; a decision made between two streams still goes out.</summary>
public sealed class ReplayTests
{
    private static HookEvent Blocking() => new()
    {
        EventId = Guid.NewGuid().ToString(), SessionId = "s", Agent = "claude", HookEventName = "PreToolUse", DecisionWanted = true,
    };

    private static readonly AppliedDecision Local = new() { Verdict = Verdict.Deny, Source = DecisionSource.Local };

    [Fact]
    public void An_event_whose_hook_still_waits_is_not_replayed_until_its_decision_is_known()
    {
        var spool = new EventSpool();
        var waiting = Blocking();
        spool.Add(waiting);

        Assert.Empty(spool.Unacknowledged());
        spool.SetApplied(waiting.EventId, Local, sentSeparately: false);
        var replay = Assert.Single(spool.Unacknowledged());
        Assert.Equal((false, DecisionSource.Local), (replay.DecisionWanted, replay.Applied.Source));
    }

    [Fact]
    public void A_decision_that_could_not_be_sent_is_taken_once_by_the_next_stream()
    {
        var spool = new EventSpool();
        var unsent = Blocking();
        var sent = Blocking();
        spool.Add(unsent);
        spool.Add(sent);
        spool.SetApplied(unsent.EventId, Local, sentSeparately: true);
        spool.SetApplied(sent.EventId, Local, sentSeparately: true);
        spool.AmendmentSent(sent.EventId);

        var amendment = Assert.Single(spool.TakeUnsentAmendments());

        Assert.Equal((unsent.EventId, DecisionSource.Local, false), (amendment.EventId, amendment.Applied.Source, amendment.DecisionWanted));
        Assert.Empty(spool.TakeUnsentAmendments());
        // Stored without it, the event stays until the server confirms the applied decision too.
        spool.Acknowledge(new StoredAck { EventIds = { unsent.EventId } });
        Assert.Equal(2, spool.Count);
        spool.Acknowledge(new StoredAck { EventIds = { unsent.EventId }, AppliedEventIds = { unsent.EventId } });
        Assert.Equal(1, spool.Count);
    }
}
