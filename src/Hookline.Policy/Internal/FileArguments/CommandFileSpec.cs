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

    /// <summary>Creates its operands (<c>mkdir</c>): a write for deny and ask rules; an allow rule need not cover it.</summary>
    Create,

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

    /// <summary>Long options may be written as any unique prefix (GNU getopt_long, npm's nopt): <c>--compress-prog</c>.</summary>
    public bool AbbreviatesLong { get; init; }

    /// <summary>Long options that take two words, a name and then the value (<c>jq --rawfile NAME FILE</c>).</summary>
    public string[] NameThenValue { get; init; } = [];

    /// <summary>Options whose value is a file listing more file names; <c>-</c> reads that list from stdin (unseen).</summary>
    public string[] NamesListValue { get; init; } = [];

    /// <summary><c>NAME=value</c> operands that make the command run another program (<c>make SHELL=/tmp/x</c>).</summary>
    public string[] RunsAssignment { get; init; } = [];

    /// <summary>Filter options written <c>TYPE:GLOB[,GLOB]</c> (<c>rg --type-add 'e:*.pem'</c>).</summary>
    public string[] TypedFilterValue { get; init; } = [];

    /// <summary>Options naming a directory whose own build files the command runs (<c>make -C DIR</c>): outside the cwd, no allow.</summary>
    public string[] RunsInDirectory { get; init; } = [];

    /// <summary>MSBuild property arguments (<c>-p:X=Y</c>, <c>/p:X=Y</c>) are read for imports of code (dotnet).</summary>
    public bool MsBuildProperties { get; init; }

    private string[]? _longNames;

    /// <summary>Every long option the spec names (for resolving abbreviations); built once per spec.</summary>
    public string[] LongNames => _longNames ??= CollectLongNames();

    private string[] CollectLongNames()
    {
        var names = new List<string>();
        foreach (var group in (string[][])[LongWithValue, DataOptions, RunsInDirectory, ReadsValue, WritesValue, RunsProgram, WritesOperands, Recursive, FilterValue, TargetDirectory, NameThenValue, NamesListValue, TypedFilterValue])
        {
            foreach (var name in group)
            {
                if (name.StartsWith("--", StringComparison.Ordinal) && !names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }

        return [.. names];
    }
}
