using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Hookline.Policy.Internal.Document;

/// <summary>Reads YAML through parser events (not the object model) to keep marks and to refuse aliases and duplicate keys.</summary>
internal static class YamlSourceReader
{
    private const int MaxDepth = 64;

    public static SourceNode? Read(string text, string source, List<PolicyError> errors)
    {
        var scanner = new Scanner(new StringReader(text));
        try
        {
            var parser = new Parser(scanner);
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, source, errors, 0);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var extra))
            {
                errors.Add(new PolicyError(source, (int)extra.Start.Line, (int)extra.Start.Column, "only one YAML document is allowed"));
            }

            return root;
        }
        catch (YamlException ex)
        {
            errors.Add(new PolicyError(source, Math.Max(1, (int)ex.Start.Line), Math.Max(1, (int)ex.Start.Column), "YAML syntax error: " + Clean(ex.Message)));
            return null;
        }
        catch (ArgumentException)
        {
            // YamlDotNet refuses a malformed tag (`!![`: "Global tags must be valid URIs") with this, not a YamlException.
            var at = scanner.CurrentPosition;
            errors.Add(new PolicyError(source, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), "YAML syntax error: a tag that is not a valid URI"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException on some malformed input, e.g. an unclosed
            // flow sequence followed by a quoted scalar (`effect: [deny` then `match: "..."`); see aaubry/YamlDotNet#541.
            // It is still a syntax error of the document, to be refused with a position, not an unexpected crash.
            var at = scanner.CurrentPosition;
            errors.Add(new PolicyError(source, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column),
                "YAML syntax error: the document could not be scanned here (check for an unclosed [ or { before this point)"));
            return null;
        }
    }

    private static SourceNode ReadNode(IParser parser, string source, List<PolicyError> errors, int depth)
    {
        var current = parser.Current ?? throw new YamlException("unexpected end of document");
        int line = (int)current.Start.Line, column = (int)current.Start.Column;
        if (depth > MaxDepth)
        {
            throw new YamlException(current.Start, current.End, "document nested too deeply");
        }

        switch (current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                errors.Add(new PolicyError(source, line, column, $"YAML aliases (*{alias.Value}) are not allowed in a policy"));
                return new ScalarNode(line, column, "", quoted: false);
            case Scalar scalar:
                parser.MoveNext();
                return new ScalarNode(line, column, scalar.Value, scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded);
            case SequenceStart:
                {
                    parser.MoveNext();
                    var items = new List<SourceNode>();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        items.Add(ReadNode(parser, source, errors, depth + 1));
                    }

                    return new SequenceNode(line, column, items);
                }
            case MappingStart:
                {
                    parser.MoveNext();
                    var entries = new List<KeyValuePair<ScalarNode, SourceNode>>();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    while (!parser.TryConsume<MappingEnd>(out _))
                    {
                        var key = ReadNode(parser, source, errors, depth + 1);
                        var value = ReadNode(parser, source, errors, depth + 1);
                        if (key is not ScalarNode scalarKey)
                        {
                            errors.Add(new PolicyError(source, key.Line, key.Column, "mapping keys must be plain strings"));
                            continue;
                        }

                        if (!seen.Add(scalarKey.Value))
                        {
                            errors.Add(new PolicyError(source, key.Line, key.Column, $"duplicate key '{scalarKey.Value}'"));
                            continue;
                        }

                        entries.Add(new(scalarKey, value));
                    }

                    return new MappingNode(line, column, entries);
                }
            default:
                throw new YamlException(current.Start, current.End, "unexpected YAML event " + current.GetType().Name);
        }
    }

    // YamlDotNet prefixes messages with "(Line: x, Col: y, Idx: z) - (...): "; we report the position ourselves.
    private static string Clean(string message)
    {
        var idx = message.LastIndexOf("): ", StringComparison.Ordinal);
        return idx >= 0 && message.StartsWith('(') ? message[(idx + 3)..] : message;
    }
}
