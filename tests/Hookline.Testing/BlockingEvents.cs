namespace Hookline.Testing;

/// <summary>One blocking tool event per agent, spelled as the wiring passes them to the hook (<c>--agent</c>, <c>--event</c>).</summary>
public static class BlockingEvents
{
    /// <summary>Claude Code, Codex, Gemini CLI, GitHub Copilot CLI and Qwen Code before a tool runs.</summary>
    public static TheoryData<string, string> BeforeATool() => new()
    {
        { "claude", "pre-tool-use" },
        { "codex", "pre-tool-use" },
        { "gemini", "before-tool" },
        { "copilot", "pre-tool-use" },
        { "qwen", "pre-tool-use" },
    };
}
