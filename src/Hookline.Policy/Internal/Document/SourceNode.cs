namespace Hookline.Policy.Internal.Document;

/// <summary>A format-neutral document tree with 1-based positions, so YAML and JSON validate through one code path.</summary>
internal abstract class SourceNode(int line, int column)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
    public abstract string KindName { get; }
}

internal sealed class ScalarNode(int line, int column, string value, bool quoted) : SourceNode(line, column)
{
    public string Value { get; } = value;

    /// <summary>Quoted in the source (YAML quotes, JSON string): never a null, bool or number.</summary>
    public bool Quoted { get; } = quoted;

    public bool IsNull => !Quoted && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => IsNull ? "null" : "scalar";
}

internal sealed class SequenceNode(int line, int column, List<SourceNode> items) : SourceNode(line, column)
{
    public List<SourceNode> Items { get; } = items;
    public override string KindName => "list";
}

internal sealed class MappingNode(int line, int column, List<KeyValuePair<ScalarNode, SourceNode>> entries) : SourceNode(line, column)
{
    public List<KeyValuePair<ScalarNode, SourceNode>> Entries { get; } = entries;
    public override string KindName => "mapping";
}
