using Hookline.Cli.Output;
using System.Text.Json;
using Hookline.Shared;

namespace Hookline.Cli.Wiring;

/// <summary>Where one agent keeps its hooks, and how <c>hookline doctor</c> reads them.</summary>
internal sealed record AgentWiring(string Agent, Func<string, string[]> Files, string InstallHint)
{
    private static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string CodexHome => Environment.GetEnvironmentVariable("CODEX_HOME") is { Length: > 0 } home ? home : Path.Combine(Home, ".codex");

    public static readonly AgentWiring[] All =
    [
        new(AgentNames.Claude, project => [Path.Combine(Home, ".claude", "settings.json"), Path.Combine(project, ".claude", "settings.json")],
            "hookline install --agent claude (or run it with hookline start --agent claude)"),
        // Codex also runs the hooks declared in config.toml's own [hooks] table.
        new(AgentNames.Codex, _ => [Path.Combine(CodexHome, "hooks.json"), Path.Combine(CodexHome, "config.toml")], "hookline install --agent codex"),
        new(AgentNames.Gemini, _ => [Path.Combine(Home, ".gemini", "settings.json")], "hookline install --agent gemini"),
        new(AgentNames.Cursor, project => [Path.Combine(Home, ".cursor", "hooks.json"), Path.Combine(project, ".cursor", "hooks.json")],
            "hookline install --agent cursor"),
        new(AgentNames.Qwen, project => [QwenWiring.UserSettingsPath(), Path.Combine(project, ".qwen", "settings.json")],
            "hookline install --agent qwen (or run it with hookline start --agent qwen)"),
        new(AgentNames.Copilot, CopilotWiring.HookFiles, "hookline install --agent copilot (or run it with hookline start --agent copilot)"),
    ];

    /// <summary>One finding per settings file that wires Hookline, or one saying the agent is not wired.</summary>
    public IEnumerable<Finding> Check(string project, bool required)
    {
        var check = Agent + " hooks";
        var wired = false;
        foreach (var file in Files(project).Distinct())
        {
            if (!File.Exists(file))
            {
                continue;
            }
            var (commands, invalid, timeouts) = Read(file, Agent);
            if (invalid is not null)
            {
                yield return new Finding(check, Status.Broken, invalid, "fix the file; the agent cannot read its hooks either");
                continue;
            }
            if (commands.Count == 0)
            {
                continue;
            }
            wired = true;
            var broken = commands.Select(BinaryProblem).Where(p => p is not null).Distinct().ToList();
            yield return broken.Count == 0
                ? new Finding(check, Status.Ok, $"{commands.Count} Hookline hooks in {file}", null)
                : new Finding(check, Status.Broken, $"{file}: {string.Join("; ", broken)}", $"rebuild or reinstall Hookline, then {InstallHint}");
            if (ShortTimeout(file, timeouts) is { } tooShort)
            {
                yield return new Finding(Agent + " hook timeout", Status.Warning, tooShort, $"install again to write {AgentNames.WrittenHookTimeoutMs / 1000} s: {InstallHint}");
            }
        }
        if (!wired)
        {
            yield return new Finding(check, required ? Status.Broken : Status.Warning, "no Hookline hooks found in " + string.Join(", ", Files(project).Distinct()), InstallHint);
        }
    }

    /// <summary>
    /// Null, or what is wrong when a Hookline hook's timeout leaves no room for a person's approval: the hook may wait up
    /// to <see cref="AgentNames.ApprovalWaitCapMs"/>, and an agent that times the hook out first runs the tool in most agents.
    /// </summary>
    private string? ShortTimeout(string file, List<int?> timeouts)
    {
        if (timeouts.Count == 0 || timeouts.All(t => t > AgentNames.ApprovalWaitCapMs))
        {
            return null;
        }
        var shortest = timeouts.Min();
        return (shortest is { } ms ? $"{file}: a Hookline hook times out after {ms / 1000.0:0.#} s" : $"{file}: a Hookline hook sets no timeout, and {Agent}'s default is not documented")
            + $"; a hook waiting for an approval needs more than {AgentNames.ApprovalWaitCapMs / 1000} s, or {Agent} gives up on it first";
    }

    /// <param name="agent">Whose units the hooks' timeouts are read in (<see cref="HookTimeouts"/>).</param>
    private static (List<string> Commands, string? Invalid, List<int?> TimeoutsMs) Read(string file, string agent)
    {
        if (file.EndsWith(".toml", StringComparison.Ordinal))
        {
            try
            {
                // config.toml's [hooks] are declared by the user; their timeouts are theirs.
                return (Wiring.CodexHookSources.FromToml(File.ReadAllText(file), file).Select(h => h.Command).Where(c => c.Contains("hookline", StringComparison.Ordinal)).ToList(), null, []);
            }
            catch (InvalidDataException ex)
            {
                return ([], ex.Message, []);
            }
        }
        try
        {
            var options = new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };
            using var document = JsonDocument.Parse(File.ReadAllBytes(file), options);
            return (HooklineCommands(document.RootElement).ToList(), null, HooklineHooks(document.RootElement, agent).Select(h => HookTimeouts.EffectiveMs(agent, h)).ToList());
        }
        catch (JsonException ex)
        {
            return ([], $"{file} is not valid JSON: {ex.Message}", []);
        }
    }

    /// <summary>Every hook entry (an object with a <c>command</c> or <c>bash</c>) that runs <paramref name="agent"/>'s Hookline hook.</summary>
    private static IEnumerable<JsonElement> HooklineHooks(JsonElement element, string agent)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if ((element.TryGetProperty("command", out var command) || element.TryGetProperty("bash", out command))
                && command.ValueKind == JsonValueKind.String && HookInstaller.IsHooklineCommand(command.GetString(), agent))
            {
                yield return element;
            }
            foreach (var property in element.EnumerateObject())
            {
                foreach (var nested in HooklineHooks(property.Value, agent))
                {
                    yield return nested;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var nested in HooklineHooks(item, agent))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>Every hook command (or http hook URL) in a settings document that points at Hookline.</summary>
    private static IEnumerable<string> HooklineCommands(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String && property.Name is "command" or "url" or "bash"
                        && property.Value.GetString() is { } text && (text.Contains("hookline", StringComparison.Ordinal) || text.Contains("/hooks/claude/", StringComparison.Ordinal)))
                    {
                        yield return text;
                    }
                    foreach (var nested in HooklineCommands(property.Value))
                    {
                        yield return nested;
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var nested in HooklineCommands(item))
                    {
                        yield return nested;
                    }
                }
                break;
        }
    }

    /// <summary>Null when the command's program exists and is executable (an http hook: nothing to check here).</summary>
    private static string? BinaryProblem(string command)
    {
        if (command.StartsWith("http", StringComparison.Ordinal))
        {
            return null;
        }
        var program = FirstWord(command);
        if (!program.Contains('/'))
        {
            return null; // Found on the agent's PATH at run time; nothing to check from here.
        }
        if (!File.Exists(program))
        {
            return $"{program} does not exist";
        }
        const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(program) & AnyExecute) != 0 ? null : $"{program} is not executable";
    }

    /// <summary>The program of a shell command line: the first word, single or double quotes removed.</summary>
    private static string FirstWord(string command)
    {
        command = command.TrimStart();
        if (command.Length > 0 && command[0] is '\'' or '"')
        {
            var end = command.IndexOf(command[0], 1);
            return end > 0 ? command[1..end] : command[1..];
        }
        var space = command.IndexOf(' ');
        return space < 0 ? command : command[..space];
    }
}
