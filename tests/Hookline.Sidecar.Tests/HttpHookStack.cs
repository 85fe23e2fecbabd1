using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Hookline.Core;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>A real server and a real sidecar serving HTTP hooks under the given connection limits, for the starvation tests.</summary>
internal sealed class HttpHookStack : IAsyncDisposable
{
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);
    private readonly TempDir _dir;
    private readonly HooklineServer _server;

    private HttpHookStack(TempDir dir, HooklineServer server, HooklineSidecar sidecar)
    {
        _dir = dir;
        _server = server;
        Sidecar = sidecar;
    }

    public HooklineSidecar Sidecar { get; }

    public static async Task<HttpHookStack> StartAsync(ConnectionLimits limits)
    {
        var dir = new TempDir();
        var server = await TestServer.StartAsync(dir);
        var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = server.GrpcAddress,
            SocketPath = dir.File("h.sock"),
            StateDirectory = dir.File("state"),
            Budget = Budget,
            HttpHooks = true,
            HttpHookLimits = limits,
        });
        return new HttpHookStack(dir, server, sidecar);
    }

    /// <summary>A raw TCP connection to the HTTP-hook port, as another local user would open one.</summary>
    public async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, new Uri(Sidecar.HttpHookUrl!).Port);
        return socket;
    }

    /// <summary>A real hook with the secret: its HTTP status and the permission decision it got.</summary>
    public async Task<(HttpStatusCode Status, string? Decision)> HookAsync(string command)
    {
        using var http = new HttpClient { Timeout = Budget };
        using var request = new HttpRequestMessage(HttpMethod.Post, Sidecar.HttpHookUrl + "pre-tool-use")
        {
            Content = new StringContent(HookClient.Bash(command), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(HooklineSidecar.HttpSecretHeader, Sidecar.HttpHookSecret);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString());
    }

    /// <summary>Reads until the sidecar closes the connection (end of stream or reset); what it sent.</summary>
    public static async Task<string> ReadUntilClosedAsync(Socket socket)
    {
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

    public async ValueTask DisposeAsync()
    {
        await Sidecar.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }
}
