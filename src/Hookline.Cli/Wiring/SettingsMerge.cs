using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hookline.Cli.Wiring;

/// <summary>Reading and merging agents' JSON settings files with JsonNode (no reflection: the CLI is Native AOT).</summary>
internal static class SettingsMerge
{
    private static readonly JsonDocumentOptions ReadOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Parses a settings file's bytes as a JSON object; null or empty gives an empty object.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a JSON object; the file is then left alone.</exception>
    public static JsonObject ParseObject(byte[]? bytes, string pathForErrors)
    {
        if (bytes is null || bytes.Length == 0 || bytes.All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
        {
            return [];
        }
        try
        {
            return JsonNode.Parse(bytes, documentOptions: ReadOptions) as JsonObject
                ?? throw new InvalidDataException($"{pathForErrors} does not hold a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{pathForErrors} is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Appends one matcher group per event to <c>settings.hooks[Event]</c>, after whatever is there.</summary>
    public static void AddHooks(JsonObject settings, IEnumerable<HookEventSpec> events, Func<HookEventSpec, JsonNode> group)
    {
        if (settings["hooks"] is not JsonObject hooks)
        {
            settings["hooks"] = hooks = [];
        }
        foreach (var spec in events)
        {
            if (hooks[spec.Native] is not JsonArray list)
            {
                hooks[spec.Native] = list = [];
            }
            list.Add(group(spec));
        }
    }

    /// <summary>A JSON node written with a Utf8JsonWriter.</summary>
    public static JsonNode Node(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }
        return JsonNode.Parse(buffer.WrittenSpan)!;
    }

    public static byte[] Serialize(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            node.WriteTo(json);
        }
        return [.. buffer.WrittenSpan, (byte)'\n'];
    }

    public static void Write(string path, JsonNode node)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, Serialize(node));
    }
}
