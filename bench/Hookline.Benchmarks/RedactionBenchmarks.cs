using System.Text;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.LoadTool.Fixtures;

namespace Hookline.Benchmarks;

/// <summary>
/// What preparing one event for storage costs (it runs off the decision path: in the server's writer, and in the
/// sidecar when it spools). Inputs: a Bash tool input with no secret (the common case), the same with a bearer token,
/// a whole PostToolUse event (tool input, a 1 KB tool response holding two secrets, a prompt), and a 9 MiB event
/// (a tool response and a prompt of 9 MiB, a secret at their head): capped at 64 KiB, its cost follows the cap.
/// What the server's writer does per event: the load tool's ten PreToolUse events with a decision each (as
/// <c>AuditWriter</c> prepares them), and a PostToolUse with 2 KB of ordinary build output and no secret.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RedactionBenchmarks
{
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("""{"command":"npm run test -- --watch","description":"Run the tests"}""");
    private static readonly byte[] WithToken = Encoding.UTF8.GetBytes("""{"command":"curl -H \"Authorization: Bearer abcDEF123tokenXYZ987\" https://api.example.com/v1/items","description":"Fetch items"}""");
    private HookEvent _event = null!;
    private HookEvent _huge = null!;
    private HookEvent _postToolUse = null!;
    private (HookEvent Event, Decision Decision)[] _mix = null!;

    [GlobalSetup]
    public void Setup()
    {
        var output = string.Concat(Enumerable.Repeat("line of ordinary build output, nothing to see here\n", 18)) + "DATABASE_URL=postgres://u:envDbPassw0rd@h/db\nJWT_SECRET=jwtS3cretValue123\n";
        _event = PostToolUse(output, prompt: "");
        var huge = "export AWS_SECRET_ACCESS_KEY=headS3cretValue0123456789 " + new string('a', 9 * 1024 * 1024);
        _huge = PostToolUse(huge, prompt: huge);
        var build = string.Concat(Enumerable.Repeat("  Restored /home/dev/proj/src/App/App.csproj (in 212 ms).\n  App -> /home/dev/proj/src/App/bin/Release/net10.0/App.dll\n", 18))
            + "Build succeeded.\n    0 Warning(s)\n    0 Error(s)\n";
        _postToolUse = PostToolUse(build, prompt: "");
        _postToolUse.ToolInput = ByteString.CopyFrom(Plain);
        _mix = Enumerable.Range(0, SampleEvents.Count).Select(i =>
        {
            var e = SampleEvents.Event(i, Guid.NewGuid().ToString(), (ulong)i);
            return (e, new Decision { Verdict = Verdict.Allow, ReasonCode = "rule", Reason = "matched rule rule-" + i, Matched = e.ToolInput.ToStringUtf8() });
        }).ToArray();
    }

    private static HookEvent PostToolUse(string output, string prompt) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        HookEventName = "PostToolUse",
        ToolName = "Bash",
        ToolInput = ByteString.CopyFrom(WithToken),
        ToolResponse = ByteString.CopyFrom(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { stdout = output, stderr = "" })),
        Prompt = prompt,
    };

    [Benchmark(Baseline = true)]
    public int ToolInputWithoutSecret() => Redactor.RedactJson(Plain).Length;

    [Benchmark]
    public int ToolInputWithToken() => Redactor.RedactJson(WithToken).Length;

    [Benchmark]
    public int WholeEvent() => EventCapture.Default.Prepare(_event).CalculateSize();

    /// <summary>The ten events of the load tool's mix, each with its decision, prepared as the audit writer does.</summary>
    [Benchmark(OperationsPerInvoke = 10)]
    public int LoadToolMix()
    {
        var size = 0;
        foreach (var (e, decision) in _mix)
        {
            size += EventCapture.Default.Prepare(e).CalculateSize() + EventCapture.Default.Prepare(decision)!.CalculateSize();
        }
        return size;
    }

    [Benchmark]
    public int PostToolUseWithoutSecret() => EventCapture.Default.Prepare(_postToolUse).CalculateSize();

    [Benchmark]
    public int NineMiBEvent() => EventCapture.Default.Prepare(_huge).CalculateSize();
}
