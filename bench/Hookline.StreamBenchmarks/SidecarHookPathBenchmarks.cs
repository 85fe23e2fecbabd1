using System.Text;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal;

namespace Hookline.StreamBenchmarks;

/// <summary>
/// The CPU the sidecar spends per blocking hook outside the network: decode the hook frame, decode Claude's stdin
/// into a HookEvent, serialize it for the stream, parse the Decision back, encode Claude's answer and the reply frame.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class SidecarHookPathBenchmarks
{
    private const string Stdin = """
        {"session_id":"3982e839-f0d1-4fef-886f-7146ed1dad82","transcript_path":"/home/dev/.claude/projects/proj/3982e839.jsonl","cwd":"/home/dev/proj","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cd /tmp && rm -rf build/ && ls","description":"Clean the build output"},"tool_use_id":"toolu_01ABCDEF"}
        """;

    private readonly ClaudeAdapter _claude = new();
    private readonly HookOutcome _deny = new(Verdict.Deny, false, "Recursive force delete is blocked", DecisionSource.Remote);
    private byte[] _framePayload = [];
    private HookEvent _event = new();
    private byte[] _decisionBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        var stdin = Encoding.UTF8.GetBytes(Stdin);
        _framePayload = [HookFrame.Version, 0, 6, .. "claude"u8, 12, .. "pre-tool-use"u8, .. stdin];
        _event = DecodeEvent();
        if (_event.ToolName != "Bash" || _claude.Encode("pre-tool-use", _deny).ToFrame().Length < 40)
        {
            throw new InvalidOperationException("the benchmark input does not take the decode/encode path it is meant to measure");
        }
        _decisionBytes = new ProcessHookEventResponse
        {
            Decision = new Decision
            {
                CorrelationId = 42, EventId = _event.EventId, Verdict = Verdict.Deny, Evaluated = Verdict.Deny,
                Reason = "Recursive force delete is blocked", ReasonCode = "rule", RuleIds = { "no-force-delete" },
                PolicyEpoch = 7, Mode = PolicyMode.Enforce, Matched = "rm -rf build/",
            },
        }.ToByteArray();
    }

    [Benchmark(Description = "hook frame decode")]
    public bool DecodeFrame() => HookRequest.TryDecode(_framePayload, out _) is not null;

    [Benchmark(Description = "frame + Claude stdin → HookEvent")]
    public HookEvent DecodeEvent()
    {
        var request = HookRequest.TryDecode(_framePayload, out _)!;
        var hookEvent = new HookEvent { EventId = "0b0c6f53-3a8e-4d43-9f57-2ad1f3d2a1f0", SessionId = "5d1f0e7c-7a39-4d36-9d2b-8a3c3f9e4b11", DecisionWanted = true };
        _claude.TryDecode(request.Event, request.Stdin, hookEvent, out _);
        return hookEvent;
    }

    [Benchmark(Description = "HookEvent → stream bytes")]
    public byte[] SerializeEvent() => new ProcessHookEventRequest { Event = _event }.ToByteArray();

    [Benchmark(Description = "stream bytes → Decision")]
    public Decision ParseDecision() => ProcessHookEventResponse.Parser.ParseFrom(_decisionBytes).Decision;

    [Benchmark(Description = "deny → Claude JSON + reply frame")]
    public byte[] EncodeReply() => _claude.Encode("pre-tool-use", _deny).ToFrame();
}
