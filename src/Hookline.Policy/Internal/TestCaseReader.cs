using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Hookline.Policy.Internal;

/// <summary>One event of a test case: the agent's hook stdin (as JSON) and an optional time.</summary>
internal sealed class TestEvent(JsonElement json, DateTimeOffset? at)
{
    public JsonElement Json { get; } = json;
    public DateTimeOffset? At { get; } = at;

    public PolicyInput ToInput(string agent, string? user, string? org, string? home) => HookEventReader.FromJson(Json, agent, user, home, org);
}

/// <summary>One case. <paramref name="ExpectDefault"/>: no rule may decide; the document's default must (<c>expect: default</c>).</summary>
internal sealed record TestCase(string Name, string Agent, string? User, string? Org, TestEvent Event, List<TestEvent> History, Effect Expect, bool ExpectDefault = false);

/// <summary>Reads a test-case table with the same position-aware readers as policies.</summary>
internal static class TestCaseReader
{
    private static readonly string[] CaseKeys = ["name", "agent", "user", "org", "event", "history", "expect", "tool", "input", "cwd", "hook_event", "prompt", "at"];

    public static List<TestCase> Read(string text, string source)
    {
        var errors = new List<PolicyError>();
        var trimmed = text.AsSpan().TrimStart();
        var root = trimmed.Length > 0 && trimmed[0] == '[' ? JsonSourceReader.Read(text, source, errors) : YamlSourceReader.Read(text, source, errors);
        var cases = new List<TestCase>();
        if (errors.Count == 0)
        {
            var items = root switch
            {
                SequenceNode seq => seq.Items,
                MappingNode map when map.Entries.Find(e => e.Key.Value == "cases").Value is SequenceNode inner => inner.Items,
                _ => null,
            };
            if (items is null)
            {
                errors.Add(new PolicyError(source, root?.Line ?? 1, root?.Column ?? 1, "test cases must be a list (or a mapping with 'cases: [...]')"));
            }
            else
            {
                foreach (var item in items)
                {
                    if (ReadCase(item, source, errors, cases.Count) is { } testCase)
                    {
                        cases.Add(testCase);
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new PolicyException(errors);
        }

        return cases;
    }

    private static TestCase? ReadCase(SourceNode node, string source, List<PolicyError> errors, int index)
    {
        void Error(SourceNode n, string message) => errors.Add(new PolicyError(source, n.Line, n.Column, message));
        if (node is not MappingNode map)
        {
            Error(node, "a test case must be a mapping");
            return null;
        }

        foreach (var entry in map.Entries.Where(e => !CaseKeys.Contains(e.Key.Value)))
        {
            Error(entry.Key, $"unknown test case key '{entry.Key.Value}' (allowed: {string.Join(", ", CaseKeys)})");
        }

        SourceNode? Find(string key) => map.Entries.Find(e => e.Key.Value == key).Value;
        string? Scalar(string key) => Find(key) is ScalarNode { IsNull: false } s ? s.Value : null;

        var name = Scalar("name") ?? $"case {index + 1}";
        var agent = Scalar("agent") ?? "claude";
        var expectDefault = Scalar("expect") == "default";
        Effect? expect = Scalar("expect") switch
        {
            "allow" => Effect.Allow,
            "ask" => Effect.Ask,
            "deny" => Effect.Deny,
            "default" => Effect.Allow, // replaced by the document's default when run
            _ => null,
        };
        if (expect is null)
        {
            Error(Find("expect") ?? map, $"case '{name}': 'expect' must be allow, ask, deny or default");
        }

        TestEvent? ev;
        if (Find("event") is { } eventNode)
        {
            ev = ReadEvent(eventNode, source, errors);
        }
        else if (Scalar("tool") is { } tool)
        {
            // The short form: tool, input, cwd (and optionally hook_event, prompt, at).
            var json = new StringBuilder();
            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    writer.WriteStartObject();
                    writer.WriteString("tool_name", tool);
                    writer.WriteString("hook_event_name", Scalar("hook_event") ?? "PreToolUse");
                    if (Scalar("cwd") is { } cwd)
                    {
                        writer.WriteString("cwd", cwd);
                    }

                    if (Scalar("prompt") is { } prompt)
                    {
                        writer.WriteString("prompt", prompt);
                    }

                    if (Find("input") is { } input)
                    {
                        writer.WritePropertyName("tool_input");
                        WriteJson(writer, input);
                    }

                    writer.WriteEndObject();
                }

                json.Append(Encoding.UTF8.GetString(stream.ToArray()));
            }

            ev = new TestEvent(JsonDocument.Parse(json.ToString()).RootElement.Clone(), ReadTime(Find("at"), source, errors));
        }
        else
        {
            Error(map, $"case '{name}' needs 'event' (the agent's hook input) or 'tool' + 'input'");
            ev = null;
        }

        var history = new List<TestEvent>();
        if (Find("history") is { } historyNode)
        {
            if (historyNode is SequenceNode seq)
            {
                history.AddRange(seq.Items.Select(i => ReadEvent(i, source, errors)).OfType<TestEvent>());
            }
            else
            {
                Error(historyNode, "'history' must be a list of events");
            }
        }

        return ev is null || expect is null ? null : new TestCase(name, agent, Scalar("user"), Scalar("org"), ev, history, expect.Value, expectDefault);
    }

    private static TestEvent? ReadEvent(SourceNode node, string source, List<PolicyError> errors)
    {
        if (node is not MappingNode map)
        {
            errors.Add(new PolicyError(source, node.Line, node.Column, "an event must be a mapping (the agent's hook input)"));
            return null;
        }

        var at = map.Entries.Find(e => e.Key.Value == "at").Value;
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteJson(writer, new MappingNode(map.Line, map.Column, map.Entries.Where(e => e.Key.Value != "at").ToList()));
        }

        return new TestEvent(JsonDocument.Parse(stream.ToArray()).RootElement.Clone(), ReadTime(at, source, errors));
    }

    private static DateTimeOffset? ReadTime(SourceNode? node, string source, List<PolicyError> errors)
    {
        if (node is null)
        {
            return null;
        }

        if (node is ScalarNode s && DateTimeOffset.TryParse(s.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors.Add(new PolicyError(source, node.Line, node.Column, "'at' must be an ISO time such as 2025-01-01T10:00:00Z"));
        return null;
    }

    /// <summary>YAML → JSON: unquoted numbers, booleans and null keep their type; everything else is a string.</summary>
    private static void WriteJson(Utf8JsonWriter writer, SourceNode node)
    {
        switch (node)
        {
            case MappingNode map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    writer.WritePropertyName(key.Value);
                    WriteJson(writer, value);
                }

                writer.WriteEndObject();
                break;
            case SequenceNode seq:
                writer.WriteStartArray();
                foreach (var item in seq.Items)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            case ScalarNode { IsNull: true }:
                writer.WriteNullValue();
                break;
            case ScalarNode { Quoted: false, Value: "true" or "false" } b:
                writer.WriteBooleanValue(b.Value == "true");
                break;
            case ScalarNode { Quoted: false } n when decimal.TryParse(n.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number):
                writer.WriteNumberValue(number);
                break;
            case ScalarNode s:
                writer.WriteStringValue(s.Value);
                break;
        }
    }
}
