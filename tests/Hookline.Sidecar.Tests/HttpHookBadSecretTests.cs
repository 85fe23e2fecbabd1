using System.Net;
using System.Net.Sockets;
using System.Text;
using Hookline.Core;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Another local user filling the HTTP-hook port's connection limit with requests that carry a wrong or no secret
/// (a real sidecar, a real server): a keep-alive connection answered 401/403 would stay open, so one bad request every
/// few seconds could hold every slot. The sidecar answers them with <c>Connection: close</c> and closes; the keep-alive
/// here is long so that only that close can free the slots, and a real hook is then answered.
/// </summary>
public sealed class HttpHookBadSecretTests
{
    private const int Limit = 4;

    /// <summary>Sends one hook request with <paramref name="secretHeader"/> and reads until the sidecar closes the connection.</summary>
    private static async Task<string> AnswerUntilClosedAsync(Socket socket, string? secretHeader)
    {
        const string body = """{"tool_name":"Bash"}""";
        var request = "POST /hooks/claude/pre-tool-use HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + (secretHeader is null ? "" : secretHeader + "\r\n") + $"Content-Length: {body.Length}\r\n\r\n" + body;
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        return await HttpHookStack.ReadUntilClosedAsync(socket);
    }

    [Theory]
    [InlineData(HooklineSidecar.HttpSecretHeader + ": not-the-secret", "403")]
    [InlineData(null, "401")]
    public async Task Bad_secret_requests_are_answered_with_connection_close_and_free_their_slots(string? secretHeader, string status)
    {
        await using var stack = await HttpHookStack.StartAsync(new ConnectionLimits(Limit, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5)));
        var held = new List<Socket>();
        try
        {
            var answers = new List<Task<string>>();
            for (var i = 0; i < Limit; i++)
            {
                var socket = await stack.ConnectAsync();
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

            var (hookStatus, decision) = await stack.HookAsync("rm -rf /tmp/x");

            Assert.Equal(HttpStatusCode.OK, hookStatus);
            Assert.Equal("deny", decision);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }
}
