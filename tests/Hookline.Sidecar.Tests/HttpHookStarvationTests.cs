using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hookline.Core;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Another local user holding idle connections to the HTTP-hook port (a real sidecar, a real server): past the
/// connection limit they are closed at once, the rest are dropped by the header timeout, and a real hook is then
/// answered within its budget. A low limit stands in for the tens of thousands of the finding.
/// </summary>
public sealed class HttpHookStarvationTests
{
    private const int Limit = 8;

    [Fact]
    public async Task Idle_connections_beyond_the_limit_and_past_the_header_timeout_are_dropped_and_a_hook_is_answered()
    {
        await using var stack = await HttpHookStack.StartAsync(new ConnectionLimits(Limit, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < Limit * 2; i++)
            {
                idle.Add(await stack.ConnectAsync());
            }

            // Kestrel's timeouts are checked once a second; 1 s of header timeout plus that is well inside 15 s.
            var dropped = Task.WhenAll(idle.Select(HttpHookStack.ReadUntilClosedAsync));
            var held = await Record.ExceptionAsync(() => dropped.WaitAsync(TimeSpan.FromSeconds(15)));
            Assert.True(held is null, $"{idle.Count} idle connections that never sent a request were still held after 15 s");

            var clock = Stopwatch.StartNew();
            var (status, decision) = await stack.HookAsync("rm -rf /tmp/x");

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(clock.Elapsed < HttpHookStack.Budget, $"the hook took {clock.Elapsed}");
            Assert.Equal("deny", decision);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }
}
