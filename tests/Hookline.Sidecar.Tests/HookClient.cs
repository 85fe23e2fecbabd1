using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Hookline.Sidecar.Tests;

/// <summary>What a hook process does, in-process: one frame over the sidecar's Unix socket, one reply back.</summary>
internal static class HookClient
{
    public sealed record Reply(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>permissionDecision of a Claude PreToolUse answer, or null when there was no answer.</summary>
        public string? PermissionDecision => PermissionDecisionOf(Stdout);
    }

    /// <summary>permissionDecision of a Claude PreToolUse answer (stdout or HTTP body), or null when there was no answer.</summary>
    public static string? PermissionDecisionOf(string answer) => answer.Length == 0
        ? null
        : JsonDocument.Parse(answer).RootElement.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString();

    public static Task<Reply> SendAsync(string socketPath, string agent, string hookEvent, string stdin)
        => SendAsync(socketPath, agent, hookEvent, Encoding.UTF8.GetBytes(stdin));

    public static async Task<Reply> SendAsync(string socketPath, string agent, string hookEvent, byte[] stdin)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        var payload = HookFrameTests.Request(agent, hookEvent, stdin);
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        await socket.SendAsync(frame, SocketFlags.None);
        using var stream = new NetworkStream(socket);
        var header = new byte[4];
        await stream.ReadExactlyAsync(header);
        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
        await stream.ReadExactlyAsync(body);
        var stdoutLength = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(2));
        var stdout = Encoding.UTF8.GetString(body, 6, stdoutLength);
        var stderrLength = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(6 + stdoutLength));
        var stderr = Encoding.UTF8.GetString(body, 10 + stdoutLength, stderrLength);
        return new Reply(body[1], stdout, stderr);
    }

    public static string PreToolUse(string tool, object input, string cwd = "/home/dev/proj") => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["session_id"] = "3982e839-f0d1-4fef-886f-7146ed1dad82",
        ["transcript_path"] = "/home/dev/.claude/projects/x.jsonl",
        ["cwd"] = cwd,
        ["permission_mode"] = "default",
        ["hook_event_name"] = "PreToolUse",
        ["tool_name"] = tool,
        ["tool_input"] = input,
        ["tool_use_id"] = "toolu_" + Guid.NewGuid().ToString("N"),
    });

    public static string Bash(string command) => PreToolUse("Bash", new Dictionary<string, string> { ["command"] = command });
}
