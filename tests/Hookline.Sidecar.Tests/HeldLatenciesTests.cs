using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.ServerStream;
using Hookline.Sidecar.Internal.Spool;

namespace Hookline.Sidecar.Tests;

/// <summary>Held latencies go out once their events are stored, and never on a stream that did not answer them.</summary>
public sealed class HeldLatenciesTests
{
    [Fact]
    public void A_new_stream_drops_what_an_earlier_stream_answered_and_sends_only_its_own()
    {
        var held = new HeldLatencies(new EventSpool());
        held.Add(Guid.NewGuid().ToString(), 900);
        held.Add(Guid.NewGuid().ToString(), 1200);

        held.NewStream();
        var sent = new List<DecisionLatencies>();
        Assert.Equal(0, held.Flush(request => { sent.Add(request.Latencies); return true; }));
        Assert.Equal((0, 2L), (held.Count, held.Dropped));

        var own = Guid.NewGuid().ToString();
        held.Add(own, 700);
        Assert.Equal(1, held.Flush(request => { sent.Add(request.Latencies); return true; }));
        var item = Assert.Single(Assert.Single(sent).Items);
        Assert.Equal((own, 700u), (item.EventId, item.LatencyUs));
    }
}
