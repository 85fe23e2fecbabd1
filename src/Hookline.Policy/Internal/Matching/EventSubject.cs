using System.Text.Json;
using Hookline.Policy.Internal.Document;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Matching;

/// <summary>
/// What one event is about, extracted once per evaluation: sub-commands, a normalised path, a host... The texts live
/// in the thread's <see cref="EvaluationScratch"/> as ranges; the string properties copy them on demand (explanations,
/// deny and ask decisions), so the allow path allocates nothing.
/// </summary>
internal sealed class EventSubject
{
    private readonly EvaluationScratch _scratch;
    private string? _rawCommand, _path, _host, _primary;

    internal EventSubject(EvaluationScratch scratch)
    {
        _scratch = scratch;
    }

    public PolicyInput Input { get; private set; } = null!;
    public string Tool { get; private set; } = "";
    public string Cwd { get; private set; } = "/";

    /// <summary>What patterns are matched on: the tool, or for tool-less events (UserPromptSubmit) the event name.</summary>
    public string MatchKey => Tool.Length == 0 ? Input.HookEvent ?? "" : Tool;

    /// <summary>The agent user's home as reported with the event; null when unknown (never the evaluating process's).</summary>
    public string? Home { get; private set; }

    /// <summary>The session's project root: what <c>./</c> and <c>/</c> in path patterns are anchored at.</summary>
    public string Root { get; private set; } = "/";

    public bool IgnoreCase { get; private set; }

    /// <summary>The frame path patterns are matched in; <paramref name="broad"/> for deny and ask patterns.</summary>
    public PathFrame Frame(bool broad) => new(Root, Home, IgnoreCase, broad);

    /// <summary>Normalises a path of this event relative to <paramref name="cwd"/> (the event's, or one a command moved to).</summary>
    public string NormalizePath(string path, string cwd) => PathNormalizer.Normalize(path, cwd, Home, Input.UserHomes);

    public TextArena Text => _scratch.Text;

    /// <summary>Bash: the parsed command, or null when it could not be parsed (see <see cref="UnparsableReason"/>).</summary>
    public ShellScan? Shell { get; private set; }

    /// <summary>Bash: the files the sub-commands read, write and search (empty for other tools).</summary>
    public Internal.FileArguments.FileArgumentList FileArguments => _scratch.FileArguments;

    public TextRange RawCommandRange { get; private set; }

    public string? RawCommand => _rawCommand ??= Text.ToStringOrNull(RawCommandRange);

    /// <summary>Why the Bash command or the URL could not be understood; null when it could.</summary>
    public string? UnparsableReason { get; private set; }

    /// <summary>File tools: the normalised absolute path.</summary>
    public TextRange PathRange { get; private set; }

    public string? Path => _path ??= Text.ToStringOrNull(PathRange);

    /// <summary>Several files in one call (Gemini's read_many_files, a Codex patch): every one must pass; null for one.</summary>
    public string[]? AllPaths { get; private set; }

    /// <summary>Gemini's web_fetch names several URLs in its prompt: every one must pass; null for one.</summary>
    public string[]? AllUrls { get; private set; }

    /// <summary>Glob: the whole pattern as an absolute glob; Grep with a file filter: <c>root/**/FILTER</c>. None otherwise.</summary>
    public TextRange SearchGlobRange { get; private set; }

    /// <summary>Glob/Grep search a directory: a rule that covers everything inside it covers the search.</summary>
    public bool PathIsDirectory { get; private set; }

    /// <summary>WebFetch: the URL's real host.</summary>
    public TextRange HostRange { get; private set; }

    public string? Host => _host ??= Text.ToStringOrNull(HostRange);

    /// <summary>WebSearch query or Agent subagent_type.</summary>
    public TextRange PrimaryRange { get; private set; }

    public string? Primary => _primary ??= Text.ToStringOrNull(PrimaryRange);

    /// <summary>The same event seen as touching only <paramref name="path"/>.</summary>
    public EventSubject WithSinglePath(string path)
    {
        var copy = (EventSubject)MemberwiseClone();
        copy.PathRange = Text.Append(path);
        copy._path = path;
        copy.AllPaths = null;
        return copy;
    }

    /// <summary>The same event seen as fetching only <paramref name="url"/>.</summary>
    public EventSubject WithSingleUrl(string url)
    {
        var copy = (EventSubject)MemberwiseClone();
        copy.AllUrls = null;
        copy._host = null;
        copy.HostRange = UrlHost.ExtractInto(url, Text);
        copy.UnparsableReason = copy.HostRange.HasValue ? null : "the URL cannot be parsed";
        return copy;
    }

    public static EventSubject Create(PolicyInput input)
    {
        var scratch = EvaluationScratch.Current;
        var subject = scratch.Subject;
        scratch.Text.Clear();
        scratch.Shell.Reset();
        subject.Reset(input);
        subject.Read();
        return subject;
    }

    private void Reset(PolicyInput input)
    {
        Input = input;
        Tool = ToolNames.Canonicalize(input.ToolName);
        Cwd = PathNormalizer.NormalizeDirectory(input.Cwd);
        Home = PathNormalizer.NormalizeHome(input.HomeDirectory);
        Root = string.IsNullOrEmpty(input.ProjectDirectory) || input.ProjectDirectory == input.Cwd ? Cwd : PathNormalizer.NormalizeDirectory(input.ProjectDirectory);
        IgnoreCase = input.CaseInsensitivePaths;
        Shell = null;
        _scratch.FileArguments.Reset();
        UnparsableReason = null;
        AllPaths = null;
        AllUrls = null;
        SearchGlobRange = TextRange.None;
        PathIsDirectory = false;
        RawCommandRange = PathRange = HostRange = PrimaryRange = TextRange.None;
        _rawCommand = _path = _host = _primary = null;
    }

    private void Read()
    {
        var toolInput = Input.ToolInput;
        var text = Text;
        switch (Tool)
        {
            case ToolNames.Bash:
                // A working directory sent with the command (Codex's workdir, Gemini's dir_path) applies like a cd.
                var workdir = FirstField(toolInput, "workdir", "dir_path", null);
                if (workdir.HasValue && workdir.Length > 0)
                {
                    Cwd = NormalizePath(new string(text[workdir]), Cwd);
                }

                var command = JsonText.Get(toolInput, "command", text, strict: true);
                RawCommandRange = command;
                if (!command.HasValue)
                {
                    UnparsableReason = "the command is missing";
                    break;
                }

                var scan = _scratch.Shell;
                try
                {
                    ShellParser.Scan(scan, command);
                }
                catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
                {
                    // A parser bug must not crash the decision: an unreadable command is asked about, never allowed.
                    scan.Error = "internal parser error: " + ex.Message;
                }

                if (scan.Error is not null)
                {
                    UnparsableReason = scan.Error;
                }
                else
                {
                    Shell = scan;
                    Internal.FileArguments.FileArgumentScanner.Collect(scan, text[command], Cwd, Home, Input.UserHomes, _scratch.FileArguments);
                }

                break;
            case ToolNames.Read or ToolNames.Edit or ToolNames.Write or ToolNames.MultiEdit:
                PathRange = NormalizeOrNone(FirstField(toolInput, "file_path", "absolute_path", "path"));
                if (!PathRange.HasValue)
                {
                    AllPaths = MultiplePaths(toolInput);
                    if (AllPaths is not null)
                    {
                        PathRange = text.Append(AllPaths[0]);
                    }
                }
                else
                {
                    AllPaths = EveryNamedPath(toolInput);
                }

                break;
            case ToolNames.NotebookEdit:
                PathRange = NormalizeOrNone(FirstField(toolInput, "notebook_path", "file_path", null));
                break;
            case ToolNames.Grep:
                PathIsDirectory = true;
                var searched = FirstField(toolInput, "path", "dir_path", null);
                PathRange = searched.HasValue ? NormalizeOrNone(searched) : text.Append(Cwd);
                if ((GetString(toolInput, "glob") ?? GetString(toolInput, "include")) is { Length: > 0 } filter && PathRange.HasValue)
                {
                    var glob = Internal.FileArguments.SearchFilter.Append(text, text[PathRange], filter);
                    SearchGlobRange = glob.HasValue ? PathNormalizer.NormalizeInto(text[glob], Cwd, Home, Input.UserHomes, text) : TextRange.None;
                }

                break;
            case ToolNames.Glob:
                PathIsDirectory = true;
                var globPath = GetString(toolInput, "path") ?? GetString(toolInput, "dir_path");
                var pattern = GetString(toolInput, "pattern");
                var root = GlobRoot(globPath, pattern);
                PathRange = NormalizeOrNone(text.Append(root));
                if (!string.IsNullOrEmpty(pattern))
                {
                    var whole = pattern.StartsWith('/') || pattern.StartsWith('~') ? pattern : (string.IsNullOrEmpty(globPath) ? "." : globPath) + "/" + pattern;
                    SearchGlobRange = PathNormalizer.NormalizeInto(whole, Cwd, Home, Input.UserHomes, text);
                }
                break;
            case ToolNames.WebFetch:
                var url = JsonText.Get(toolInput, "url", text);
                if (!url.HasValue && Urls(GetString(toolInput, "prompt")) is { Count: > 0 } inPrompt)
                {
                    url = text.Append(inPrompt[0]);
                    AllUrls = inPrompt.Count > 1 ? inPrompt.ToArray() : null;
                }

                HostRange = url.HasValue ? UrlHost.ExtractInto(text[url], text) : TextRange.None;
                if (!HostRange.HasValue)
                {
                    UnparsableReason = url.HasValue ? "the URL cannot be parsed" : "the URL is missing";
                }

                break;
            case ToolNames.WebSearch:
                PrimaryRange = JsonText.Get(toolInput, "query", text);
                break;
            case ToolNames.Agent:
                PrimaryRange = JsonText.Get(toolInput, "subagent_type", text);
                break;
        }

        if (Input.ResolvedPaths is { Count: > 0 } resolved && PathRange.HasValue)
        {
            AddResolvedPaths(resolved);
        }
    }

    /// <summary>
    /// The real paths the sidecar found behind symbolic links join the paths as written: every one must pass, so a
    /// deny matching either wins and an allow needs both allowed.
    /// </summary>
    private void AddResolvedPaths(IReadOnlyList<string> resolved)
    {
        var paths = new List<string>(AllPaths ?? [Text.ToStringOrNull(PathRange)!]);
        foreach (var path in resolved)
        {
            if (!string.IsNullOrEmpty(path) && path.StartsWith('/'))
            {
                paths.Add(NormalizePath(path, Cwd));
            }
        }

        AllPaths = paths.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The first of the fields that is present (a string, number or boolean).</summary>
    private TextRange FirstField(System.Text.Json.JsonElement toolInput, string first, string second, string? third)
    {
        var value = JsonText.Get(toolInput, first, Text);
        if (!value.HasValue)
        {
            value = JsonText.Get(toolInput, second, Text);
        }

        if (!value.HasValue && third is not null)
        {
            value = JsonText.Get(toolInput, third, Text);
        }

        return value;
    }

    /// <summary>
    /// The file's path under each name an agent may give it (Claude's <c>file_path</c>, Gemini's <c>absolute_path</c>,
    /// Copilot's <c>path</c>), when more than one is present and they differ: which one the tool reads is the agent's
    /// business, so every one must pass, and a deny matching either wins. Null in the usual case of one name.
    /// </summary>
    private string[]? EveryNamedPath(JsonElement toolInput)
    {
        ReadOnlySpan<string> names = ["file_path", "absolute_path", "path"];
        var present = 0;
        foreach (var name in names)
        {
            present += toolInput.ValueKind == JsonValueKind.Object && toolInput.TryGetProperty(name, out _) ? 1 : 0;
        }

        if (present < 2)
        {
            return null;
        }

        var paths = new List<string>(names.Length);
        foreach (var name in names)
        {
            var value = JsonText.Get(toolInput, name, Text);
            if (value.HasValue && value.Length > 0 && NormalizePath(new string(Text[value]), Cwd) is var path && !paths.Contains(path))
            {
                paths.Add(path);
            }
        }

        return paths.Count > 1 ? paths.ToArray() : null;
    }

    private TextRange NormalizeOrNone(TextRange path) =>
        !path.HasValue || path.Length == 0 ? TextRange.None : PathNormalizer.NormalizeInto(Text[path], Cwd, Home, Input.UserHomes, Text);

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
        // read_many_files: "paths" and "include" are both globs (or paths) relative to the cwd.
        foreach (var name in (ReadOnlySpan<string>)["paths", "include"])
        {
            if (toolInput.ValueKind != JsonValueKind.Object || !toolInput.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } p)
                {
                    paths.Add(NormalizePath(p, Cwd));
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
                        paths.Add(NormalizePath(line[marker.Length..].Trim(), Cwd));
                    }
                }
            }
        }

        return paths.Count == 0 ? null : paths.Distinct(StringComparer.Ordinal).ToArray();
    }

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

    /// <summary>Every URL in a prompt (Gemini's web_fetch takes several), in order.</summary>
    private static List<string>? Urls(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var urls = new List<string>();
        for (var from = 0; from < text.Length;)
        {
            var at = text.IndexOf("://", from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            var start = at;
            while (start > 0 && char.IsAsciiLetter(text[start - 1]))
            {
                start--;
            }

            var end = text.IndexOfAny([' ', '\n', '\t', '"', '\'', ',', ')', '>'], at);
            end = end < 0 ? text.Length : end;
            if (start < at)
            {
                urls.Add(text[start..end]);
            }

            from = Math.Max(end, at + 3);
        }

        return urls;
    }
}
