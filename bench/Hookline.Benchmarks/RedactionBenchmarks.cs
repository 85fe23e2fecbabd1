using System.Text;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Benchmarks;

/// <summary>
/// What preparing one event for storage costs (it runs off the decision path: in the server's writer, and in the
/// sidecar when it spools). Inputs: a Bash tool input with no secret (the common case), the same with a bearer token,
/// a whole PostToolUse event (tool input, a 1 KB tool response holding two secrets, a prompt), and a 9 MiB event
/// (a tool response and a prompt of 9 MiB, a secret at their head): capped at 64 KiB, its cost follows the cap.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RedactionBenchmarks
{
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("""{"command":"npm run test -- --watch","description":"Run the tests"}""");
    private static readonly byte[] WithToken = Encoding.UTF8.GetBytes("""{"command":"curl -H \"Authorization: Bearer abcDEF123tokenXYZ987\" https://api.example.com/v1/items","description":"Fetch items"}""");
    private HookEvent _event = null!;
    private HookEvent _huge = null!;

    [GlobalSetup]
    public void Setup()
    {
        var output = string.Concat(Enumerable.Repeat("line of ordinary build output, nothing to see here\n", 18)) + "DATABASE_URL=postgres://u:envDbPassw0rd@h/db\nJWT_SECRET=jwtS3cretValue123\n";
        _event = PostToolUse(output, prompt: "");
        var huge = "export AWS_SECRET_ACCESS_KEY=headS3cretValue0123456789 " + new string('a', 9 * 1024 * 1024);
        _huge = PostToolUse(huge, prompt: huge);
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

    [Benchmark]
    public int NineMiBEvent() => EventCapture.Default.Prepare(_huge).CalculateSize();
}
