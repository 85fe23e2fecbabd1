using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Hookline.Core;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Another local user filling the HTTP-hook port's connection limit with requests that carry a wrong or no secret
/// (a real sidecar, a real server): a keep-alive connection answered 401/403 would stay open, so one bad request every
/// few seconds could hold every slot. The sidecar answers them with <c>Connection: close</c> and closes; the keep-alive
/// here is long so that only that close can free the slots, and a real hook is then answered.
/// </summary>
public sealed class HttpHookBadSecretTests : IAsyncLifetime
{
    private const int Limit = 4;
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
            HttpHookLimits = new ConnectionLimits(Limit, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5)),
        });
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Sends one hook request with <paramref name="secretHeader"/> and reads until the sidecar closes the connection.</summary>
    private static async Task<string> AnswerUntilClosedAsync(Socket socket, string? secretHeader)
    {
        const string body = """{"tool_name":"Bash"}""";
        var request = "POST /hooks/claude/pre-tool-use HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + (secretHeader is null ? "" : secretHeader + "\r\n") + $"Content-Length: {body.Length}\r\n\r\n" + body;
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var received = new StringBuilder();
        var buffer = new byte[1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (SocketException)
        {
        }
        return received.ToString();
    }

    [Theory]
    [InlineData(HooklineSidecar.HttpSecretHeader + ": not-the-secret", "403")]
    [InlineData(null, "401")]
    public async Task Bad_secret_requests_are_answered_with_connection_close_and_free_their_slots(string? secretHeader, string status)
    {
        var port = new Uri(_sidecar.HttpHookUrl!).Port;
        var held = new List<Socket>();
        try
        {
            var answers = new List<Task<string>>();
            for (var i = 0; i < Limit; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port);
                held.Add(socket);
                answers.Add(AnswerUntilClosedAsync(socket, secretHeader));
            }

            // Keep-alive is 5 minutes: only the sidecar's own close ends these within the bound.
            var closed = await Record.ExceptionAsync(() => Task.WhenAll(answers).WaitAsync(TimeSpan.FromSeconds(15)));
            Assert.True(closed is null, $"{Limit} connections answered without the right secret were still open after 15 s");
            foreach (var answer in answers)
            {
                var text = await answer;
                Assert.StartsWith($"HTTP/1.1 {status} ", text);
                Assert.Contains("connection: close", text, StringComparison.OrdinalIgnoreCase);
            }

            using var http = new HttpClient { Timeout = Budget };
            using var hook = new HttpRequestMessage(HttpMethod.Post, _sidecar.HttpHookUrl + "pre-tool-use")
            {
                Content = new StringContent(HookClient.Bash("rm -rf /tmp/x"), Encoding.UTF8, "application/json"),
            };
            hook.Headers.Add(HooklineSidecar.HttpSecretHeader, _sidecar.HttpHookSecret);
            using var response = await http.SendAsync(hook);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("deny", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement
                .GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString());
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }
    }
}
