using System.Text.Json;

namespace Hookline.Policy.Internal;

/// <summary>What one event is about, extracted once per evaluation: sub-commands, a normalised path, a host...</summary>
internal sealed class EventSubject
{
    private static readonly string ProcessHome = PathNormalizer.NormalizeDirectory(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    private EventSubject(PolicyInput input, string tool)
    {
        Input = input;
        Tool = tool;
        Cwd = PathNormalizer.NormalizeDirectory(input.Cwd);
        Home = input.HomeDirectory is null ? ProcessHome : PathNormalizer.NormalizeDirectory(input.HomeDirectory);
    }

    public PolicyInput Input { get; }
    public string Tool { get; }
    public string Cwd { get; }

    /// <summary>What patterns are matched on: the tool, or for tool-less events (UserPromptSubmit) the event name.</summary>
    public string MatchKey => Tool.Length == 0 ? Input.HookEvent ?? "" : Tool;
    public string Home { get; }

    /// <summary>Bash: the parsed command, or null when it could not be parsed (see <see cref="UnparsableReason"/>).</summary>
    public ShellParse? Shell { get; private set; }

    public string? RawCommand { get; private set; }

    /// <summary>Why the Bash command or the URL could not be understood; null when it could.</summary>
    public string? UnparsableReason { get; private set; }

    /// <summary>File tools: the normalised absolute path.</summary>
    public string? Path { get; private set; }

    /// <summary>Several files in one call (Gemini's read_many_files, a Codex patch): every one must pass; null for one.</summary>
    public string[]? AllPaths { get; private set; }

    /// <summary>The same event seen as touching only <paramref name="path"/>.</summary>
    public EventSubject WithSinglePath(string path)
    {
        var copy = (EventSubject)MemberwiseClone();
        copy.Path = path;
        copy.AllPaths = null;
        return copy;
    }

    /// <summary>Glob/Grep search a directory: a rule that covers everything inside it covers the search.</summary>
    public bool PathIsDirectory { get; private set; }

    /// <summary>WebFetch: the URL's real host.</summary>
    public string? Host { get; private set; }

    /// <summary>WebSearch query or Agent subagent_type.</summary>
    public string? Primary { get; private set; }

    public static EventSubject Create(PolicyInput input)
    {
        var tool = ToolNames.Canonicalize(input.ToolName);
        var subject = new EventSubject(input, tool);
        var toolInput = input.ToolInput;
        switch (tool)
        {
            case ToolNames.Bash:
                var command = GetStrictString(toolInput, "command");
                subject.RawCommand = command;
                if (command is null)
                {
                    subject.UnparsableReason = "the command is missing";
                    break;
                }

                ShellParse parse;
                try
                {
                    parse = ShellParser.Parse(command);
                }
                catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
                {
                    // A parser bug must not crash the decision: an unreadable command is asked about, never allowed.
                    parse = new ShellParse { Error = "internal parser error: " + ex.Message };
                }

                if (parse.Error is not null)
                {
                    subject.UnparsableReason = parse.Error;
                }
                else
                {
                    subject.Shell = parse;
                }

                break;
            case ToolNames.Read or ToolNames.Edit or ToolNames.Write or ToolNames.MultiEdit:
                subject.Path = subject.NormalizeOrNull(GetString(toolInput, "file_path") ?? GetString(toolInput, "absolute_path") ?? GetString(toolInput, "path"));
                if (subject.Path is null)
                {
                    subject.AllPaths = subject.MultiplePaths(toolInput);
                    subject.Path = subject.AllPaths?[0];
                }

                break;
            case ToolNames.NotebookEdit:
                subject.Path = subject.NormalizeOrNull(GetString(toolInput, "notebook_path") ?? GetString(toolInput, "file_path"));
                break;
            case ToolNames.Grep:
                subject.PathIsDirectory = true;
                subject.Path = subject.NormalizeOrNull(GetString(toolInput, "path") ?? GetString(toolInput, "dir_path") ?? ".");
                break;
            case ToolNames.Glob:
                subject.PathIsDirectory = true;
                subject.Path = subject.NormalizeOrNull(GlobRoot(GetString(toolInput, "path") ?? GetString(toolInput, "dir_path"), GetString(toolInput, "pattern")));
                break;
            case ToolNames.WebFetch:
                var url = GetString(toolInput, "url") ?? FirstUrl(GetString(toolInput, "prompt"));
                subject.Host = UrlHost.Extract(url);
                if (subject.Host is null)
                {
                    subject.UnparsableReason = url is null ? "the URL is missing" : "the URL cannot be parsed";
                }

                break;
            case ToolNames.WebSearch:
                subject.Primary = GetString(toolInput, "query");
                break;
            case ToolNames.Agent:
                subject.Primary = GetString(toolInput, "subagent_type");
                break;
        }

        return subject;
    }

    /// <summary>The text reported as what a non-Bash rule matched.</summary>
    public string Describe() => Path ?? Host ?? Primary ?? (Tool.Length == 0 ? Input.HookEvent : Tool);

    private static string? GetStrictString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static string? GetString(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
    }

    private string[]? MultiplePaths(JsonElement toolInput)
    {
        var paths = new List<string>();
        if (toolInput.ValueKind == JsonValueKind.Object && toolInput.TryGetProperty("paths", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } p)
                {
                    paths.Add(PathNormalizer.Normalize(p, Cwd, Home));
                }
            }
        }

        // An apply_patch body names its files on "*** Add File: x", "*** Update File: x", "*** Delete File: x", "*** Move to: x".
        foreach (var field in (ReadOnlySpan<string>)["input", "patch", "command"])
        {
            if (GetStrictString(toolInput, field) is not { } patch || !patch.Contains("*** ", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var rawLine in patch.Split('\n'))
            {
                var line = rawLine.TrimEnd('\r');
                foreach (var marker in (ReadOnlySpan<string>)["*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "])
                {
                    if (line.StartsWith(marker, StringComparison.Ordinal) && line.Length > marker.Length)
                    {
                        paths.Add(PathNormalizer.Normalize(line[marker.Length..].Trim(), Cwd, Home));
                    }
                }
            }
        }

        return paths.Count == 0 ? null : paths.Distinct(StringComparer.Ordinal).ToArray();
    }

    private string? NormalizeOrNull(string? path) =>
        string.IsNullOrEmpty(path) ? null : PathNormalizer.Normalize(path, Cwd, Home);

    /// <summary>A Glob's real root: its path plus the pattern's leading literal directories (<c>/etc/*.conf</c> reads /etc).</summary>
    private static string GlobRoot(string? path, string? pattern)
    {
        var root = string.IsNullOrEmpty(path) ? "." : path;
        if (string.IsNullOrEmpty(pattern))
        {
            return root;
        }

        var wildcard = pattern.IndexOfAny(['*', '?', '[', '{']);
        var literal = wildcard < 0 ? pattern : pattern[..wildcard];
        var slash = literal.LastIndexOf('/');
        if (slash < 0)
        {
            return root;
        }

        var prefix = literal[..(slash + 1)];
        return prefix.StartsWith('/') || prefix.StartsWith('~') ? prefix : root + "/" + prefix;
    }

    private static string? FirstUrl(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var at = text.IndexOf("://", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at;
        while (start > 0 && char.IsAsciiLetter(text[start - 1]))
        {
            start--;
        }

        var end = text.IndexOfAny([' ', '\n', '\t', '"', '\''], at);
        return text[start..(end < 0 ? text.Length : end)];
    }
}
