using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Hookline.Core;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Another local user holding idle connections to the HTTP-hook port (a real sidecar, a real server): past the
/// connection limit they are closed at once, the rest are dropped by the header timeout, and a real hook is then
/// answered within its budget. A low limit stands in for the tens of thousands of the finding.
/// </summary>
public sealed class HttpHookStarvationTests : IAsyncLifetime
{
    private const int Limit = 8;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);
    private readonly TempDir _dir = new();
    private HooklineServer _server = null!;
    private HooklineSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_dir);
        _sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = _server.GrpcAddress,
            SocketPath = _dir.File("h.sock"),
            StateDirectory = _dir.File("state"),
            Budget = Budget,
            HttpHooks = true,
            HttpHookLimits = new ConnectionLimits(Limit, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
        });
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Completes when the sidecar closes the connection (end of stream or reset).</summary>
    private static async Task ClosedByPeerAsync(Socket socket)
    {
        var buffer = new byte[16];
        try
        {
            while (await socket.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }
    }

    [Fact]
    public async Task Idle_connections_beyond_the_limit_and_past_the_header_timeout_are_dropped_and_a_hook_is_answered()
    {
        var port = new Uri(_sidecar.HttpHookUrl!).Port;
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < Limit * 2; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port);
                idle.Add(socket);
            }

            // Kestrel's timeouts are checked once a second; 1 s of header timeout plus that is well inside 15 s.
            var dropped = Task.WhenAll(idle.Select(ClosedByPeerAsync));
            var held = await Record.ExceptionAsync(() => dropped.WaitAsync(TimeSpan.FromSeconds(15)));
            Assert.True(held is null, $"{idle.Count} idle connections that never sent a request were still held after 15 s");

            using var http = new HttpClient { Timeout = Budget };
            using var request = new HttpRequestMessage(HttpMethod.Post, _sidecar.HttpHookUrl + "pre-tool-use")
            {
                Content = new StringContent(HookClient.Bash("rm -rf /tmp/x"), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(HooklineSidecar.HttpSecretHeader, _sidecar.HttpHookSecret);
            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(clock.Elapsed < Budget, $"the hook took {clock.Elapsed}");
            Assert.Equal("deny", JsonDocument.Parse(body).RootElement.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString());
        }
        finally
        {
            foreach (var socket in idle)
            {
                socket.Dispose();
            }
        }
    }
}
