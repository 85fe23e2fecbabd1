using System.Collections.Concurrent;
using Hookline.Core;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The bytes of hook requests read and not yet answered are bounded over all connections of the socket: a request
/// past the bound waits for earlier answers instead of adding its frame to memory, and nothing goes unanswered.
/// Real socket; a handler that holds its answers until the test lets them go.
/// </summary>
public sealed class InFlightBytesTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class HoldingHandler : IHookHandler
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly ConcurrentQueue<int> Received = new();

        public SidecarFailMode FailMode => SidecarFailMode.Closed;

        public async ValueTask<HookReply> HandleAsync(HookRequest request, long readAt)
        {
            Received.Enqueue(request.Stdin.Length);
            await Release.Task.ConfigureAwait(false);
            return new HookReply(0, ReadOnlyMemory<byte>.Empty, "");
        }
    }

    [Fact]
    public async Task A_request_past_the_bound_waits_for_earlier_answers_and_every_hook_is_answered()
    {
        var budget = new ByteBudget(1024 * 1024);
        var handler = new HoldingHandler();
        await using var listener = new HookSocketListener(_dir.File("run/hook.sock"), handler, TimeProvider.System, NullLogger.Instance, budget);
        listener.Start();
        var big = HookClient.Bash("echo " + new string('x', 700 * 1024));

        var first = HookClient.SendAsync(listener.Path, "claude", "pre-tool-use", big);
        await Until(() => handler.Received.Count == 1, "the first request reaching the handler");
        var second = HookClient.SendAsync(listener.Path, "claude", "pre-tool-use", big);
        await Until(() => budget.Waiting == 1, "the second request waiting for room");

        // Held: the first request alone; the second has not been read into memory, nor handed on.
        Assert.InRange(budget.Held, 700 * 1024, 1024 * 1024);
        Assert.Single(handler.Received);

        handler.Release.SetResult();
        var replies = await Task.WhenAll(first, second).WaitAsync(Bound.Hang);

        Assert.All(replies, r => Assert.Equal(0, r.ExitCode));
        Assert.Equal(2, handler.Received.Count);
        await Until(() => budget.Held == 0, "every byte returned once both were answered");
    }

    private static Task Until(Func<bool> condition, string what) => Eventually.TrueAsync(condition, what);
}
