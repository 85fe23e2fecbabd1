using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>What the hook socket refuses: frames over the cap, JSON nested too deep; and the modes it is created with.</summary>
public sealed class LocalSideTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private HooklineServer _server = null!;
    private HooklineSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        var policy = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        _server = await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = policy,
            DataDirectory = _dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        _sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = _server.GrpcAddress,
            SocketPath = _dir.File("run/hook.sock"),
            StateDirectory = _dir.File("state"),
            Budget = TimeSpan.FromSeconds(5),
        });
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>A PreToolUse whose JSON is <paramref name="depth"/> levels deep in all: the root, tool_input, then arrays.</summary>
    private static string Nested(int depth)
    {
        var arrays = depth - 2;
        var inner = new string('[', arrays) + new string(']', arrays);
        return "{\"session_id\":\"s\",\"cwd\":\"/tmp\",\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\","
            + "\"tool_input\":{\"command\":\"ls\",\"x\":" + inner + "}}";
    }

    [Fact]
    public async Task Json_64_levels_deep_is_accepted_and_65_is_denied_with_a_clear_reason_and_recorded()
    {
        var accepted = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", Nested(64));
        var refused = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", Nested(65));
        Assert.True(await _sidecar.FlushAsync(Bound.Hang));

        Assert.Equal(0, accepted.ExitCode);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("nested deeper than 64 levels", refused.Stderr);
        var events = await AuditTrail.ReadEventsAsync(_dir.File("data"), _sidecar.SessionId);
        var malformed = Assert.Single(events, e => e.Source == "malformed_input");
        Assert.Equal("deny", malformed.Applied);
        Assert.Contains("nested deeper than 64 levels", malformed.Reason);
    }

    [Fact]
    public async Task A_frame_over_the_10_MiB_cap_is_refused_with_a_clear_error_before_it_is_read()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_sidecar.SocketPath));
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, 10 * 1024 * 1024 + 1);

        await socket.SendAsync(header, SocketFlags.None);
        using var stream = new NetworkStream(socket);
        var length = new byte[4];
        await stream.ReadExactlyAsync(length).AsTask().WaitAsync(Bound.Hang);
        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(length)];
        await stream.ReadExactlyAsync(body).AsTask().WaitAsync(Bound.Hang);

        Assert.Equal(2, body[1]);
        var stderr = Encoding.UTF8.GetString(body, 10, body.Length - 10);
        Assert.Contains("exceeds the 10 MiB cap", stderr);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_socket_is_0600_in_a_0700_directory()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_sidecar.SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(_sidecar.SocketPath)!));
    }
}
