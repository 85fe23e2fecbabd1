using System.Globalization;
using System.Text;
using System.Text.Json;
using Hookline.Shared;

namespace Hookline.Policy.Internal.Document;

/// <summary>One event of a test case: the agent's hook stdin (as JSON) and an optional time.</summary>
internal sealed class TestEvent(JsonElement json, DateTimeOffset? at)
{
    public JsonElement Json { get; } = json;
    public DateTimeOffset? At { get; } = at;

    public PolicyInput ToInput(HookContext context) => HookEventReader.FromJson(Json, context);
}

/// <summary>
/// One case. <paramref name="Context"/>: the agent, user and machine the case runs as (home, cwd, project root,
/// platform). <paramref name="ExpectDefault"/>: no rule may decide; the document's default must (<c>expect: default</c>).
/// </summary>
/// <paramref name="ExpectApproval"/>: who must answer an ask (<c>approval: RULE_ID | plain | none</c>); null when the case does not say.
internal sealed record TestCase(string Name, HookContext Context, TestEvent Event, List<TestEvent> History, Effect Expect, bool ExpectDefault = false, string? ExpectApproval = null);

/// <summary>Reads a test-case table with the same position-aware readers as policies.</summary>
internal static class TestCaseReader
{
    private static readonly string[] CaseKeys = ["name", "agent", "user", "org", "event", "history", "expect", "tool", "input", "cwd", "hook_event", "prompt", "at",
        "home", "project_dir", "platform", "user_homes", "resolved", "approval"];

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
        var agent = Scalar("agent") ?? AgentNames.Claude;
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

        var approval = Scalar("approval");
        if (Find("approval") is { } approvalNode && (approval is null || approval.Any(char.IsWhiteSpace)))
        {
            Error(approvalNode, $"case '{name}': 'approval' must be the id of the ask rule whose approval: decides, plain (the document's approvals:) or none");
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

        var context = ReadContext(map, agent, Scalar, source, errors);
        return ev is null || expect is null || context is null ? null : new TestCase(name, context, ev, history, expect.Value, expectDefault, approval);
    }

    /// <summary>The per-case machine: <c>home</c>, <c>cwd</c>, <c>project_dir</c>, <c>platform</c>, <c>user_homes</c>, <c>resolved</c>.</summary>
    private static HookContext? ReadContext(MappingNode map, string agent, Func<string, string?> scalar, string source, List<PolicyError> errors)
    {
        var ok = true;
        void Error(SourceNode n, string message)
        {
            errors.Add(new PolicyError(source, n.Line, n.Column, message));
            ok = false;
        }

        SourceNode? Find(string key) => map.Entries.Find(e => e.Key.Value == key).Value;
        var caseInsensitive = false;
        if (Find("platform") is { } platformNode)
        {
            switch (scalar("platform"))
            {
                case "linux":
                    break;
                case "macos" or "windows":
                    caseInsensitive = true; // their default file systems ignore case
                    break;
                default:
                    Error(platformNode, "'platform' must be linux, macos or windows");
                    break;
            }
        }

        Dictionary<string, string>? userHomes = null;
        if (Find("user_homes") is { } homesNode)
        {
            if (homesNode is MappingNode homes && homes.Entries.All(e => e.Value is ScalarNode { IsNull: false }))
            {
                userHomes = homes.Entries.ToDictionary(e => e.Key.Value, e => ((ScalarNode)e.Value).Value, StringComparer.Ordinal);
            }
            else
            {
                Error(homesNode, "'user_homes' must map user names to home directories");
            }
        }

        List<string>? resolved = null;
        if (Find("resolved") is { } resolvedNode)
        {
            if (resolvedNode is SequenceNode list && list.Items.All(i => i is ScalarNode { IsNull: false }))
            {
                resolved = list.Items.Select(i => ((ScalarNode)i).Value).ToList();
            }
            else
            {
                Error(resolvedNode, "'resolved' must be a list of the real paths behind the tool's path");
            }
        }

        // 'cwd' of the short form is already in the event; for 'event:' cases it replaces the event's cwd.
        var eventCwd = Find("event") is not null ? scalar("cwd") : null;
        return ok ? new HookContext
        {
            Agent = agent,
            User = scalar("user"),
            Org = scalar("org"),
            HomeDirectory = scalar("home"),
            ProjectDirectory = scalar("project_dir"),
            Cwd = eventCwd,
            CaseInsensitivePaths = caseInsensitive,
            UserHomes = userHomes,
            ResolvedPaths = resolved,
        } : null;
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
