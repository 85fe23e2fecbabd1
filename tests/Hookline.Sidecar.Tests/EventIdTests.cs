using System.Collections.Concurrent;
using System.Globalization;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The sidecar's event ids are version-7 UUIDs carrying the event's time, so the server's event_id index grows at
/// its right edge; a real server stores each of them once.
/// </summary>
public sealed class EventIdTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Event_ids_are_time_ordered_uuids_of_the_events_time_and_a_real_server_stores_them()
    {
        await using var server = await TestServer.StartAsync(_dir);
        await using var sidecar = await server.StartSidecarAsync(_dir, o => o.HttpHooks = false);
        var decisions = new ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;
        foreach (var command in new[] { "git status", "ls -la", "git log" })
        {
            await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(command));
        }
        Assert.True(await sidecar.FlushAsync(Bound.Hang));

        var ids = decisions.Select(d => d.EventId).ToList();
        Assert.Equal(3, ids.Count);
        var times = new List<long>();
        foreach (var id in ids)
        {
            var uuid = Guid.ParseExact(id, "D");
            Assert.Equal(7, uuid.Version);
            Assert.Equal(uuid.ToString("D"), id);
            // The first 48 bits are the Unix time in milliseconds; the stored event time is the same instant.
            var idMs = long.Parse(id.Replace("-", "", StringComparison.Ordinal)[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var stored = await server.RowsAsync($"SELECT CAST(event_time_ms AS TEXT) FROM events WHERE event_id = '{id}'");
            Assert.Equal(idMs.ToString(CultureInfo.InvariantCulture), Assert.Single(stored));
            times.Add(idMs);
        }
        Assert.Equal(times.Order(), times);
    }
}
