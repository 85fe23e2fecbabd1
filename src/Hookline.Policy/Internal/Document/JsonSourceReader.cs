using System.Text;
using System.Text.Json;

namespace Hookline.Policy.Internal.Document;

/// <summary>Reads JSON with Utf8JsonReader and maps byte offsets back to line/column.</summary>
internal static class JsonSourceReader
{
    public static SourceNode? Read(string text, string source, List<PolicyError> errors)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var positions = new PositionMap(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false, MaxDepth = 64 });
        try
        {
            if (!reader.Read())
            {
                return null;
            }

            var root = ReadValue(ref reader, positions, source, errors);
            if (reader.Read())
            {
                var (l, c) = positions.At(reader.TokenStartIndex);
                errors.Add(new PolicyError(source, l, c, "unexpected content after the JSON document"));
            }

            return root;
        }
        catch (JsonException ex)
        {
            errors.Add(new PolicyError(source, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1, "JSON syntax error: " + CleanMessage(ex.Message)));
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // A string the reader cannot decode (a lone UTF-16 surrogate escape): an error in the document, not a crash.
            var (l, c) = positions.At(reader.TokenStartIndex);
            errors.Add(new PolicyError(source, l, c, "unreadable string: " + ex.Message));
            return null;
        }
    }

    private static SourceNode ReadValue(ref Utf8JsonReader reader, PositionMap positions, string source, List<PolicyError> errors)
    {
        var (line, column) = positions.At(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var entries = new List<KeyValuePair<ScalarNode, SourceNode>>();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        var (kl, kc) = positions.At(reader.TokenStartIndex);
                        var name = reader.GetString() ?? "";
                        reader.Read();
                        var value = ReadValue(ref reader, positions, source, errors);
                        if (!seen.Add(name))
                        {
                            errors.Add(new PolicyError(source, kl, kc, $"duplicate key '{name}'"));
                            continue;
                        }

                        entries.Add(new(new ScalarNode(kl, kc, name, quoted: true), value));
                    }

                    return new MappingNode(line, column, entries);
                }
            case JsonTokenType.StartArray:
                {
                    var items = new List<SourceNode>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        items.Add(ReadValue(ref reader, positions, source, errors));
                    }

                    return new SequenceNode(line, column, items);
                }
            case JsonTokenType.String:
                return new ScalarNode(line, column, reader.GetString() ?? "", quoted: true);
            case JsonTokenType.Number:
                return new ScalarNode(line, column, Encoding.UTF8.GetString(reader.ValueSpan), quoted: false);
            case JsonTokenType.True:
                return new ScalarNode(line, column, "true", quoted: false);
            case JsonTokenType.False:
                return new ScalarNode(line, column, "false", quoted: false);
            default:
                return new ScalarNode(line, column, "null", quoted: false);
        }
    }

    private static string CleanMessage(string message)
    {
        var idx = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return idx > 0 ? message[..idx].TrimEnd('.', ' ') : message;
    }

    /// <summary>Byte offset → 1-based line and character column.</summary>
    private sealed class PositionMap(byte[] bytes)
    {
        private readonly List<int> _lineStarts = BuildLineStarts(bytes);

        public (int Line, int Column) At(long offset)
        {
            var index = _lineStarts.BinarySearch((int)offset);
            var lineIndex = index >= 0 ? index : ~index - 1;
            var start = _lineStarts[lineIndex];
            var column = Encoding.UTF8.GetCharCount(bytes, start, (int)offset - start) + 1;
            return (lineIndex + 1, column);
        }

        private static List<int> BuildLineStarts(byte[] bytes)
        {
            var starts = new List<int> { 0 };
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    starts.Add(i + 1);
                }
            }

            return starts;
        }
    }
}
