using System.Text;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Benchmarks;

/// <summary>
/// What preparing one event for storage costs (it runs off the decision path: in the server's writer, and in the
/// sidecar when it spools). Inputs: a Bash tool input with no secret (the common case), the same with a bearer token,
/// and a whole PostToolUse event (tool input, a 1 KB tool response holding two secrets, a prompt).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RedactionBenchmarks
{
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("""{"command":"npm run test -- --watch","description":"Run the tests"}""");
    private static readonly byte[] WithToken = Encoding.UTF8.GetBytes("""{"command":"curl -H \"Authorization: Bearer abcDEF123tokenXYZ987\" https://api.example.com/v1/items","description":"Fetch items"}""");
    private HookEvent _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        var output = string.Concat(Enumerable.Repeat("line of ordinary build output, nothing to see here\n", 18)) + "DATABASE_URL=postgres://u:envDbPassw0rd@h/db\nJWT_SECRET=jwtS3cretValue123\n";
        _event = new HookEvent
        {
            EventId = Guid.NewGuid().ToString(),
            HookEventName = "PostToolUse",
            ToolName = "Bash",
            ToolInput = ByteString.CopyFrom(WithToken),
            ToolResponse = ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(new { stdout = output, stderr = "" })),
            Prompt = "",
        };
    }

    [Benchmark(Baseline = true)]
    public int ToolInputWithoutSecret() => Redactor.RedactJson(Plain).Length;

    [Benchmark]
    public int ToolInputWithToken() => Redactor.RedactJson(WithToken).Length;

    [Benchmark]
    public int WholeEvent() => EventCapture.Default.Prepare(_event).CalculateSize();
}
