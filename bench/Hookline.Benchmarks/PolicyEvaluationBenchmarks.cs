using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Hookline.Policy;

namespace Hookline.Benchmarks;

/// <summary>
/// Median time and allocation per evaluated event against realistic rule sets of 10, 200 and 2,000 rules. The input
/// is a prepared <see cref="PolicyInput"/> (tool name, tool input as a parsed JsonElement, cwd, home, agent), as the
/// server and the sidecar hold it after reading the hook event; one call is <c>CompiledPolicy.Evaluate(input)</c>
/// without session state, including reading the tool input, splitting the command, normalising the path or
/// extracting the host.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyEvaluationBenchmarks
{
    private CompiledPolicy _policy = null!;
    private PolicyInput _bashAllowed = null!;
    private PolicyInput _bashCompoundAllowed = null!;
    private PolicyInput _bashCompoundDenied = null!;
    private PolicyInput _readPath = null!;
    private PolicyInput _editAllowed = null!;
    private PolicyInput _webFetch = null!;
    private PolicyInput _mcpAllowed = null!;

    [Params(10, 200, 2000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _policy = CompiledPolicy.Load(PolicyGenerator.Generate(Rules));
        _bashAllowed = Input("Bash", """{"command":"npm run test -- --watch"}""");
        _bashCompoundAllowed = Input("Bash", """{"command":"cd src && FOO=1 timeout 5 git status | grep \"modified\" ; npm run test -- 'a b'"}""");
        _bashCompoundDenied = Input("Bash", """{"command":"cd /tmp && FOO=1 timeout 5 rm -rf /"}""");
        _readPath = Input("Read", """{"file_path":"/home/dev/proj/src/app/main.cs"}""");
        _editAllowed = Input("Edit", """{"file_path":"src/../src/app/main.cs","old_string":"a","new_string":"b"}""");
        _webFetch = Input("WebFetch", """{"url":"https://docs.example.com/guide"}""");
        _mcpAllowed = Input("mcp__github__get_issue", """{"owner":"o","repo":"r","issue":1}""");
    }

    [Benchmark(Baseline = true)]
    public Effect BashAllowed() => _policy.Evaluate(_bashAllowed).Effect;

    [Benchmark]
    public Effect BashCompoundAllowed() => _policy.Evaluate(_bashCompoundAllowed).Effect;

    [Benchmark]
    public Effect BashCompoundDenied() => _policy.Evaluate(_bashCompoundDenied).Effect;

    [Benchmark]
    public Effect ReadPath() => _policy.Evaluate(_readPath).Effect;

    [Benchmark]
    public Effect EditAllowed() => _policy.Evaluate(_editAllowed).Effect;

    [Benchmark]
    public Effect WebFetch() => _policy.Evaluate(_webFetch).Effect;

    [Benchmark]
    public Effect McpAllowed() => _policy.Evaluate(_mcpAllowed).Effect;

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
        string[] fixedRules =
        [
            "{id: no-rm, effect: deny, match: [\"Bash(rm -rf *)\", \"Bash(rm -fr *)\"]}",
            "{id: tests, effect: allow, match: \"Bash(npm run test:*)\"}",
            "{id: git, effect: allow, match: [\"Bash(git status)\", \"Bash(git diff *)\"]}",
            "{id: nav, effect: allow, match: [\"Bash(cd *)\", \"Bash(grep *)\"]}",
            "{id: src, effect: allow, match: \"Edit(./src/**)\"}",
            "{id: docs, effect: allow, match: \"WebFetch(domain:*.example.com)\"}",
            "{id: github, effect: allow, match: \"mcp__github__*\"}",
        ];
        foreach (var rule in fixedRules)
        {
            sb.Append("  - ").Append(rule).Append('\n');
        }

        for (var i = fixedRules.Length; i < count; i++)
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
