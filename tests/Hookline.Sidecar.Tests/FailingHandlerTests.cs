using System.Text;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Whatever throws behind the hook socket or the HTTP-hook endpoint, the hook gets an answer: the fail mode for a
/// blocking event (deny for input that cannot be read, in any mode), nothing for the rest. Real socket, real Kestrel.
/// </summary>
public sealed class FailingHandlerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A handler that fails on every request, as a bug or a dead component behind the listener would.</summary>
    private sealed class ThrowingHandler(SidecarFailMode failMode, Exception fault) : IHookHandler
    {
        public SidecarFailMode FailMode => failMode;

        public ValueTask<HookReply> HandleAsync(HookRequest request, long readAt) => throw fault;
    }

    // The exception a real bug throws, on purpose.
#pragma warning disable CA2201
    private static readonly Exception Bug = new NullReferenceException("a component behind the listener failed");
#pragma warning restore CA2201

    private async Task<HookClient.Reply> SocketAsync(IHookHandler handler, string hookEvent)
    {
        await using var listener = new HookSocketListener(_dir.File("run/hook.sock"), handler, TimeProvider.System, NullLogger.Instance);
        listener.Start();
        return await HookClient.SendAsync(listener.Path, "claude", hookEvent, HookClient.Bash("rm -rf /")).WaitAsync(Bound.Hang);
    }

    [Fact]
    public async Task The_socket_answers_a_blocking_hook_deny_in_fail_mode_closed_when_its_handler_throws()
    {
        var reply = await SocketAsync(new ThrowingHandler(SidecarFailMode.Closed, Bug), "pre-tool-use");

        Assert.Equal("deny", reply.PermissionDecision);
        Assert.Contains("fail mode closed", reply.Stdout);
    }

    [Fact]
    public async Task The_socket_answers_the_open_fail_mode_and_non_blocking_events_with_nothing_when_its_handler_throws()
    {
        var open = await SocketAsync(new ThrowingHandler(SidecarFailMode.Open, Bug), "pre-tool-use");
        var post = await SocketAsync(new ThrowingHandler(SidecarFailMode.Closed, Bug), "post-tool-use");

        Assert.Equal((0, "", ""), (open.ExitCode, open.Stdout, open.Stderr));
        Assert.Equal((0, "", ""), (post.ExitCode, post.Stdout, post.Stderr));
    }

    [Fact]
    public async Task Input_that_cannot_be_read_is_denied_even_in_fail_mode_open_when_it_escapes_as_an_exception()
    {
        var unreadable = new InvalidOperationException("Cannot read invalid UTF-16 JSON text as string.");

        var reply = await SocketAsync(new ThrowingHandler(SidecarFailMode.Open, unreadable), "pre-tool-use");

        Assert.Equal("deny", reply.PermissionDecision);
        Assert.Contains("malformed hook input", reply.Stdout);
    }

    [Fact]
    public async Task The_http_hook_answers_200_with_a_deny_when_its_handler_throws()
    {
        await using var listener = await HookHttpListener.StartAsync(new ThrowingHandler(SidecarFailMode.Closed, Bug), TimeProvider.System,
            NullLogger.Instance, 0, Core.ConnectionLimits.HttpHooks, CancellationToken.None);
        using var http = new HttpClient { Timeout = Bound.Hang };
        using var request = new HttpRequestMessage(HttpMethod.Post, listener.BaseUrl + "pre-tool-use")
        {
            Content = new StringContent(HookClient.Bash("rm -rf /"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(HookHttpListener.SecretHeader, listener.Secret);

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        // A non-2xx answer would not block in Claude Code: the tool would run.
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("deny", HookClient.PermissionDecisionOf(body));
    }
}
