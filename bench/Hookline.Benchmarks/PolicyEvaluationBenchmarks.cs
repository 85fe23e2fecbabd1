using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Hookline.Policy;

namespace Hookline.Benchmarks;

/// <summary>Median time per evaluated event against realistic rule sets of 10, 200 and 2,000 rules.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyEvaluationBenchmarks
{
    private CompiledPolicy _policy = null!;
    private PolicyInput _bashAllowed = null!;
    private PolicyInput _bashCompoundDenied = null!;
    private PolicyInput _readPath = null!;
    private PolicyInput _webFetch = null!;

    [Params(10, 200, 2000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _policy = CompiledPolicy.Load(PolicyGenerator.Generate(Rules));
        _bashAllowed = Input("Bash", """{"command":"npm run test -- --watch"}""");
        _bashCompoundDenied = Input("Bash", """{"command":"cd /tmp && FOO=1 timeout 5 rm -rf /"}""");
        _readPath = Input("Read", """{"file_path":"/home/dev/proj/src/app/main.cs"}""");
        _webFetch = Input("WebFetch", """{"url":"https://docs.example.com/guide"}""");
    }

    [Benchmark(Baseline = true)]
    public Effect BashAllowed() => _policy.Evaluate(_bashAllowed).Effect;

    [Benchmark]
    public Effect BashCompoundDenied() => _policy.Evaluate(_bashCompoundDenied).Effect;

    [Benchmark]
    public Effect ReadPath() => _policy.Evaluate(_readPath).Effect;

    [Benchmark]
    public Effect WebFetch() => _policy.Evaluate(_webFetch).Effect;

    private static PolicyInput Input(string tool, string json) => new()
    {
        ToolName = tool,
        ToolInput = JsonDocument.Parse(json).RootElement.Clone(),
        Cwd = "/home/dev/proj",
        HomeDirectory = "/home/dev",
        Agent = "claude",
    };
}

/// <summary>Compile time of a 2,000-rule document (parse + validate + compile).</summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyCompileBenchmarks
{
    private string _text = null!;

    [GlobalSetup]
    public void Setup() => _text = PolicyGenerator.Generate(2000);

    [Benchmark]
    public int Compile2000Rules() => CompiledPolicy.Load(_text).Document.Rules.Count;
}

internal static class PolicyGenerator
{
    /// <summary>A mix like real policies: mostly Bash prefixes, then paths, domains and MCP tools.</summary>
    public static string Generate(int count)
    {
        var sb = new StringBuilder("version: 1\ndefault: allow\nrules:\n");
        sb.Append("  - {id: no-rm, effect: deny, match: [\"Bash(rm -rf *)\", \"Bash(rm -fr *)\"]}\n");
        sb.Append("  - {id: tests, effect: allow, match: \"Bash(npm run test:*)\"}\n");
        for (var i = 2; i < count; i++)
        {
            var effect = (i % 3) switch { 0 => "deny", 1 => "ask", _ => "allow" };
            var match = (i % 10) switch
            {
                < 6 => $"Bash(tool{i} sub{i} *)",
                6 => $"Read(./data{i}/**)",
                7 => $"Edit(//etc/app{i}/**)",
                8 => $"WebFetch(domain:*.site{i}.com)",
                _ => $"mcp__server{i}__*",
            };
            sb.Append($"  - {{id: r{i}, effect: {effect}, match: \"{match}\"}}\n");
        }

        return sb.ToString();
    }
}
