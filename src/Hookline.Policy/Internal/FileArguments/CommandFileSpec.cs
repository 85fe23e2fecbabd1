namespace Hookline.Policy.Internal.FileArguments;

/// <summary>What a command's operands are.</summary>
internal enum OperandUse : byte
{
    /// <summary>Not files, or files it only names (<c>echo</c>, <c>ls</c>, <c>git add</c>).</summary>
    None,
    Read,
    Write,
    ReadWrite,

    /// <summary>Every operand but the last is read, the last is written (<c>cp</c>, <c>mv</c>, <c>install</c>, <c>ln</c>, <c>scp</c>).</summary>
    CopyLike,

    /// <summary>Operands are searched recursively.</summary>
    Search,

    /// <summary>Operands name repository content, <c>rev:path</c> included (<c>git show</c>, <c>git diff</c>).</summary>
    RepoRead,

    /// <summary><c>key=value</c> operands: <c>if=</c> is read, <c>of=</c> written (<c>dd</c>).</summary>
    KeyValue,
}

/// <summary>
/// How one command (or <c>git show</c>-style subcommand) treats its arguments. Option names are written as used:
/// <c>-o</c>, <c>--output</c>; a long option also matches its <c>--name=value</c> form.
/// </summary>
internal sealed class CommandFileSpec
{
    public CommandFileSpec(string name, OperandUse operands)
    {
        Name = name;
        Operands = operands;
    }

    public string Name { get; }
    public OperandUse Operands { get; }

    /// <summary>Short option letters that take a value (<c>-n 5</c>, <c>-n5</c>).</summary>
    public string ShortWithValue { get; init; } = "";

    /// <summary>Long options that take the next word when written without <c>=</c>.</summary>
    public string[] LongWithValue { get; init; } = [];

    /// <summary>Leading operands that are a pattern, script or mode, not files (grep's pattern, sed's script, chmod's mode).</summary>
    public int LeadingData { get; init; }

    /// <summary>Options that supply that pattern or script instead (<c>-e</c>, <c>-f</c>): then every operand is a file.</summary>
    public string[] DataOptions { get; init; } = [];

    /// <summary>Options whose value is a file the command reads.</summary>
    public string[] ReadsValue { get; init; } = [];

    /// <summary>Options whose value is a file (or directory) the command writes.</summary>
    public string[] WritesValue { get; init; } = [];

    /// <summary>Options that make the command run another program or load code it names: an allow rule never covers them.</summary>
    public string[] RunsProgram { get; init; } = [];

    /// <summary>Options that turn the operands into writes (<c>sed -i</c>).</summary>
    public string[] WritesOperands { get; init; } = [];

    /// <summary>Options that make the operands search roots (<c>grep -r</c>); <see cref="OperandUse.Search"/> always is.</summary>
    public string[] Recursive { get; init; } = [];

    /// <summary>Options whose value limits a search to file names matching a glob (<c>--include</c>, <c>-g</c>).</summary>
    public string[] FilterValue { get; init; } = [];

    /// <summary>Options naming the destination directory of a copy (<c>cp -t DIR</c>): then every operand is read.</summary>
    public string[] TargetDirectory { get; init; } = [];

    /// <summary>A search with no operand searches the working directory (<c>rg KEY</c>, <c>grep -r KEY</c>).</summary>
    public bool SearchesCwdByDefault { get; init; }
}
