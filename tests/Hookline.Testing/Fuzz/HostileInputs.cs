using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace Hookline.Testing.Fuzz;

/// <summary>One hook input to send: the agent and its event (kebab case), the stdin bytes, and what it came from.</summary>
public sealed record HookInput(string Agent, string Event, byte[] Stdin, string Origin)
{
    public bool Blocking => IsBlocking(Agent, Event);

    /// <summary>The events each agent waits on (the adapters' IsBlocking).</summary>
    public static bool IsBlocking(string agent, string hookEvent) => agent switch
    {
        "claude" or "codex" => hookEvent is "pre-tool-use" or "permission-request" or "user-prompt-submit",
        "gemini" => hookEvent is "before-tool" or "before-agent",
        "cursor" => hookEvent is "pre-tool-use" or "before-shell-execution" or "before-mcp-execution" or "before-read-file" or "before-submit-prompt",
        _ => false,
    };
}

/// <summary>
/// The checked-in corpus (<c>hostile-inputs.txt</c>), the agents' real hook samples (<c>agent-hook-samples.json</c>),
/// and FsCheck generators that mutate those samples the way hostile or broken encoders do: lone surrogate escapes,
/// invalid and overlong UTF-8, NUL, deep nesting, huge numbers, cuts, BOMs, duplicate keys and wrong types.
/// </summary>
public static class HostileInputs
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fuzz");

    /// <summary>Hookline's agents and the events each is wired for, blocking and not.</summary>
    public static readonly (string Agent, string[] Events)[] AgentEvents =
    [
        ("claude", ["pre-tool-use", "permission-request", "user-prompt-submit", "post-tool-use", "session-start", "stop"]),
        ("codex", ["pre-tool-use", "user-prompt-submit", "post-tool-use", "session-start", "stop"]),
        ("gemini", ["before-tool", "before-agent", "after-tool", "session-start", "after-agent"]),
        ("cursor", ["before-shell-execution", "before-mcp-execution", "before-read-file", "before-submit-prompt", "after-file-edit"]),
    ];

    /// <summary>The corpus cases: name and bytes.</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Corpus { get; } = ReadCorpus(Path.Combine(Folder, "hostile-inputs.txt"));

    /// <summary>Every sample of a Hookline agent (the others speak Claude's format and go to the claude adapter).</summary>
    public static IReadOnlyList<HookInput> Samples { get; } = ReadSamples(Path.Combine(Folder, "agent-hook-samples.json"));

    /// <summary>Every corpus case for every agent, to one blocking and one non-blocking event of each.</summary>
    public static IEnumerable<HookInput> CorpusInputs() =>
        from agent in AgentEvents
        from hookEvent in agent.Events.Where(e => HookInput.IsBlocking(agent.Agent, e)).Take(1)
            .Concat(agent.Events.Where(e => !HookInput.IsBlocking(agent.Agent, e)).Take(1))
        from c in Corpus
        select new HookInput(agent.Agent, hookEvent, c.Bytes, "corpus:" + c.Name);

    /// <summary>A sample, mutated by one hostile operation (or left whole, one time in twelve).</summary>
    public static Gen<HookInput> Mutated() =>
        from sample in Gen.Elements(Samples.ToArray())
        from mutation in Gen.Elements(Mutations)
        from at in Gen.Choose(0, int.MaxValue)
        from pick in Gen.Choose(0, int.MaxValue)
        select sample with { Stdin = mutation.Apply(sample.Stdin, at, pick), Origin = "mutated:" + mutation.Name };

    /// <summary>Any hook input: the generator's, a corpus case, or a sample sent to another agent's adapter.</summary>
    public static Gen<HookInput> Any() =>
        Gen.Frequency(
            (8, Mutated()),
            (2, from c in Gen.Elements(CorpusInputs().ToArray()) select c),
            (1, from s in Gen.Elements(Samples.ToArray())
                from agent in Gen.Elements(AgentEvents)
                from hookEvent in Gen.Elements(agent.Events)
                select s with { Agent = agent.Agent, Event = hookEvent, Origin = "cross-agent" }));

    /// <summary><paramref name="count"/> values of <paramref name="gen"/> for round <paramref name="round"/> of a seeded run.</summary>
    public static T[] Batch<T>(Gen<T> gen, ulong seed, int round, int count) =>
        Gen.Sample(gen, 30, new Rnd(seed + (ulong)round * 0x9E3779B97F4A7C15UL), count);

    private sealed record Mutation(string Name, Func<byte[], int, int, byte[]> Apply);

    private static readonly string[] Surrogates = [@"\ud800", @"\udfff", @"\udbff\u0041", @"\udc00\ud800", @"\ud83d"];
    private static readonly byte[][] BadUtf8 = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]];
    private static readonly string[] HugeNumbers = ["1e999999999", "123456789012345678901234567890123456789", "-0", "1e-999999", "NaN", "Infinity", "0x10"];
    private static readonly string[] OtherTypes = ["[]", "{}", "1", "null", "true", "\"x\"", "[\"rm\",\"-rf\",\"/\"]", "{\"command\":{\"x\":1}}"];

    private static readonly Mutation[] Mutations =
    [
        new("lone-surrogate", (b, at, pick) => IntoString(b, at, Encoding.ASCII.GetBytes(Surrogates[pick % Surrogates.Length]))),
        new("invalid-utf8", (b, at, pick) => IntoString(b, at, BadUtf8[pick % BadUtf8.Length])),
        new("nul", (b, at, pick) => IntoString(b, at, pick % 2 == 0 ? [0] : @"\u0000"u8.ToArray())),
        new("deep-nesting", (b, at, pick) => ReplaceValue(b, at, Nested(60 + pick % 2000))),
        new("huge-number", (b, at, pick) => ReplaceValue(b, at, Encoding.ASCII.GetBytes(HugeNumbers[pick % HugeNumbers.Length]))),
        new("wrong-type", (b, at, pick) => ReplaceValue(b, at, Encoding.ASCII.GetBytes(OtherTypes[pick % OtherTypes.Length]))),
        new("truncated", (b, at, _) => b[..(b.Length == 0 ? 0 : at % b.Length)]),
        new("bom", (b, _, pick) => [.. pick % 2 == 0 ? new byte[] { 0xEF, 0xBB, 0xBF } : [0xFF, 0xFE], .. b]),
        new("duplicate-key", (b, at, _) => DuplicateKey(b, at)),
        new("flipped-byte", (b, at, pick) => Flip(b, at, (byte)(1 << (pick % 8)))),
        new("whole", (b, _, _) => b),
    ];

    private static byte[] Nested(int depth) => Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth));

    /// <summary>Inserts <paramref name="bytes"/> just after the opening quote of some string (value or name).</summary>
    private static byte[] IntoString(byte[] json, int at, byte[] bytes)
    {
        var quotes = Positions(json, (byte)'"');
        if (quotes.Count == 0)
        {
            return [.. json, .. bytes];
        }
        var quote = quotes[at % quotes.Count] + 1;
        return [.. json[..quote], .. bytes, .. json[quote..]];
    }

    /// <summary>Replaces the value after some <c>":</c> with <paramref name="value"/>, up to the next comma or brace.</summary>
    private static byte[] ReplaceValue(byte[] json, int at, byte[] value)
    {
        var colons = Positions(json, (byte)':');
        if (colons.Count == 0)
        {
            return value;
        }
        var start = colons[at % colons.Count] + 1;
        var end = start;
        var depth = 0;
        var inString = false;
        for (; end < json.Length; end++)
        {
            var c = json[end];
            if (inString)
            {
                if (c == '\\')
                {
                    end++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
                continue;
            }
            if (c == '"')
            {
                inString = true;
            }
            else if (c is (byte)'{' or (byte)'[')
            {
                depth++;
            }
            else if (c is (byte)'}' or (byte)']' or (byte)',' && depth-- == 0)
            {
                break;
            }
        }
        return [.. json[..start], .. value, .. json[Math.Min(end, json.Length)..]];
    }

    /// <summary>Repeats one member right after the first brace, with a value that says something else.</summary>
    private static byte[] DuplicateKey(byte[] json, int at)
    {
        var brace = Array.IndexOf(json, (byte)'{');
        if (brace < 0)
        {
            return json;
        }
        string[] members = ["\"tool_name\":\"Read\",", "\"tool_input\":{\"command\":\"ls\"},", "\"hook_event_name\":\"Stop\",", "\"session_id\":1,", "\"command\":\"ls\","];
        var member = Encoding.ASCII.GetBytes(members[at % members.Length]);
        return [.. json[..(brace + 1)], .. member, .. json[(brace + 1)..]];
    }

    private static byte[] Flip(byte[] json, int at, byte mask)
    {
        if (json.Length == 0)
        {
            return json;
        }
        var copy = (byte[])json.Clone();
        copy[at % copy.Length] ^= mask;
        return copy;
    }

    private static List<int> Positions(byte[] json, byte wanted)
    {
        var positions = new List<int>();
        for (var i = 0; i < json.Length; i++)
        {
            if (json[i] == wanted)
            {
                positions.Add(i);
            }
        }
        return positions;
    }

    private static List<(string, byte[])> ReadCorpus(string path)
    {
        var cases = new List<(string, byte[])>();
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            cases.Add((line[..tab], Unescape(line[(tab + 1)..])));
        }
        return cases;
    }

    /// <summary>The corpus's one escape: \xHH is a raw byte; the rest is UTF-8 as written.</summary>
    private static byte[] Unescape(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 3 < text.Length && text[i + 1] == 'x'
                && byte.TryParse(text.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var raw))
            {
                bytes.Add(raw);
                i += 3;
                continue;
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
        }
        return [.. bytes];
    }

    private static List<HookInput> ReadSamples(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var samples = new List<HookInput>();
        foreach (var sample in document.RootElement.EnumerateObject())
        {
            var (agent, native) = (sample.Name[..sample.Name.IndexOf(':', StringComparison.Ordinal)], sample.Name[(sample.Name.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            var name = sample.Value.TryGetProperty("hook_event_name", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : native;
            var adapter = agent is "codex" or "gemini" or "cursor" ? agent : "claude";
            samples.Add(new HookInput(adapter, Kebab(name), Encoding.UTF8.GetBytes(sample.Value.GetRawText()), "sample:" + sample.Name));
        }
        return samples;
    }

    /// <summary>"pre-tool-use" from "PreToolUse" or "preToolUse"; "before-mcp-execution" from "beforeMCPExecution".</summary>
    private static string Kebab(string name)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var boundary = char.IsUpper(c) && i > 0 && (!char.IsUpper(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (boundary)
            {
                builder.Append('-');
            }
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }
}
