using System.Diagnostics;
using System.Text;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Transcripts;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The sidecar reads Claude Code's transcript (its path comes from the agent, so it is hostile) only when it is a
/// regular file of this user below the agent's own transcript directory, and takes only tool_use ids and names from it.
/// Every refused file below holds a well-formed tool call: reading it at all would report that call.
/// </summary>
public sealed class TranscriptReaderTests : IDisposable
{
    private const string SessionFile = "81653179-3af1-43da-a5f2-9bf8149f4ce4.jsonl";
    private readonly TempDir _dir = new();
    private readonly ListLogger _log = new();

    public TranscriptReaderTests()
    {
        Directory.CreateDirectory(Project);
        Directory.CreateDirectory(Outside);
    }

    public void Dispose() => _dir.Dispose();

    private string Root => _dir.File("claude/projects");

    private string Project => Path.Combine(Root, "-home-dev-proj");

    private string Outside => _dir.File("elsewhere");

    private TranscriptReader Reader(int maxLineBytes = 1 << 20, long maxBytesPerPass = 16 << 20) =>
        new(new TranscriptLimits([Root], TimeSpan.FromSeconds(5), maxLineBytes, maxBytesPerPass, TimeSpan.FromSeconds(30)), TimeProvider.System, _log);

    /// <summary>A transcript line of an assistant message asking for one tool call, as Claude Code writes it.</summary>
    internal static string ToolUse(string id, string name = "Bash", string command = "ls") =>
        $$$"""{"parentUuid":null,"isSidechain":false,"message":{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"tool_use","id":"{{{id}}}","name":"{{{name}}}","input":{"command":"{{{command}}}"}}]},"type":"assistant","uuid":"u1"}""" + "\n";

    /// <summary>The line with the call's result: it ran, or (denied) a hook's deny kept it from running.</summary>
    internal static string Result(string id, bool denied = false, string output = "done") => denied
        ? $$$"""{"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"PreToolUse:Bash hook error: no","is_error":true,"tool_use_id":"{{{id}}}"}]},"toolDenialKind":"permission-rule","permissionDecision":{"decision":"reject","source":"hook"}}""" + "\n"
        : $$$"""{"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"{{{output}}}","is_error":false,"tool_use_id":"{{{id}}}"}]},"toolUseResult":{"stdout":"{{{output}}}"},"permissionDecision":{"decision":"accept","source":"config"}}""" + "\n";

    /// <summary>A call that ran: asked for, then answered.</summary>
    internal static string Call(string id, string name = "Bash", string command = "ls") => ToolUse(id, name, command) + Result(id);

    private List<ExecutedToolCall> Read(string path, TranscriptReader? reader = null)
    {
        var calls = new List<ExecutedToolCall>();
        (reader ?? Reader()).ReadNew(path, calls);
        return calls;
    }

    private void AssertRefused(string path, string reason)
    {
        Assert.Empty(Read(path));
        Assert.Contains(_log.Lines, l => l.Contains("refused", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_real_claude_code_transcript_reports_its_tool_use_ids_and_names()
    {
        var path = Path.Combine(Project, SessionFile);
        File.Copy(Path.Combine(Repository.Root, "tests", "Hookline.Sidecar.Tests", "Fixtures", "claude-code-2.1.328.jsonl"), path);

        var calls = Read(path);

        Assert.Equal(["toolu_fake30370617", "toolu_fake30370753"], calls.Select(c => c.ToolUseId));
        Assert.All(calls, c => Assert.Equal(("Bash", "Bash", "transcript"), (c.ToolName, c.NativeToolName, c.Source)));
        Assert.DoesNotContain(_log.Lines, l => l.Contains("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_what_was_appended_since_the_last_read_is_read_and_a_line_being_written_waits()
    {
        var path = Path.Combine(Project, SessionFile);
        var reader = Reader();
        File.WriteAllText(path, Call("toolu_1"));
        Assert.Equal(["toolu_1"], Read(path, reader).Select(c => c.ToolUseId));

        var next = Call("toolu_2");
        File.AppendAllText(path, next[..40]); // Claude is still writing this line
        Assert.Empty(Read(path, reader));
        File.AppendAllText(path, next[40..] + Call("toolu_3", "mcp__github__create_issue"));
        var calls = Read(path, reader);

        Assert.Equal(["toolu_2", "toolu_3"], calls.Select(c => c.ToolUseId));
        Assert.Equal("mcp__github__create_issue", calls[1].NativeToolName);
    }

    [Fact]
    public void A_call_is_reported_once_its_result_shows_it_ran_and_a_denied_one_never()
    {
        var path = Path.Combine(Project, SessionFile);
        var reader = Reader();
        File.WriteAllText(path, ToolUse("toolu_running") + ToolUse("toolu_denied") + Result("toolu_denied", denied: true));
        Assert.Empty(Read(path, reader)); // one still running, one denied

        File.AppendAllText(path, Result("toolu_running"));
        Assert.Equal(["toolu_running"], Read(path, reader).Select(c => c.ToolUseId));
    }

    [Fact]
    public void In_a_real_claude_code_transcript_the_calls_a_hook_or_a_rule_denied_are_not_reported()
    {
        var path = Path.Combine(Project, SessionFile);
        // Claude Code 2.1.328 under hookline start: the hook denied the first call, Claude's own rules the second
        // (asked, nobody to answer in -p), the third ran (and failed: it ran all the same).
        File.Copy(Path.Combine(Repository.Root, "tests", "Hookline.Sidecar.Tests", "Fixtures", "claude-code-2.1.328-denied.jsonl"), path);

        Assert.Equal(["toolu_fake32615869"], Read(path).Select(c => c.ToolUseId));
    }

    [Fact]
    public void A_tool_inputs_secrets_never_leave_the_file_only_ids_and_names_do()
    {
        var path = Path.Combine(Project, SessionFile);
        File.WriteAllText(path, ToolUse("toolu_secret", command: "curl -H 'Authorization: Bearer sk-live-SECRET123' x")
            + Result("toolu_secret", output: "token=SECRET456"));

        var call = Assert.Single(Read(path));

        Assert.Equal(("toolu_secret", "Bash", "Bash", "transcript"), (call.ToolUseId, call.ToolName, call.NativeToolName, call.Source));
        Assert.DoesNotContain("SECRET", Encoding.UTF8.GetString(Google.Protobuf.MessageExtensions.ToByteArray(call)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_to_a_transcript_is_refused()
    {
        var target = Path.Combine(Project, "real.jsonl");
        File.WriteAllText(target, Call("toolu_link"));
        var link = Path.Combine(Project, SessionFile);
        File.CreateSymbolicLink(link, target);

        AssertRefused(link, "is a symbolic link");
    }

    [Fact]
    public void A_symbolic_link_on_the_way_is_refused()
    {
        File.WriteAllText(Path.Combine(Outside, SessionFile), Call("toolu_dirlink"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "linked"), Outside);

        AssertRefused(Path.Combine(Root, "linked", SessionFile), "'linked' on the way is a symbolic link");
    }

    [Fact]
    public void A_file_outside_the_transcript_directory_is_refused()
    {
        var path = Path.Combine(Outside, SessionFile);
        File.WriteAllText(path, Call("toolu_outside"));

        AssertRefused(path, "not under the agent's transcript directory");
        AssertRefused(Root + "/../elsewhere/" + SessionFile, "'..'");
    }

    [Fact]
    public void A_file_that_is_not_a_jsonl_transcript_is_refused()
    {
        var path = Path.Combine(Project, "notes.txt");
        File.WriteAllText(path, Call("toolu_txt"));

        AssertRefused(path, "not a .jsonl transcript");
    }

    [Fact]
    public void A_fifo_is_refused_without_being_opened_even_with_a_writer_ready()
    {
        var path = Path.Combine(Project, SessionFile);
        Run("mkfifo", path);
        // A writer holds it open with a tool call in it: a reader that opened it would read that call.
        using var writer = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(OpenReadWrite(path), ownsHandle: true), FileAccess.ReadWrite);
        writer.Write(Encoding.UTF8.GetBytes(Call("toolu_fifo")));
        writer.Flush();

        AssertRefused(path, "is not a regular file");
    }

    [Fact]
    public void A_directory_is_refused()
    {
        var path = Path.Combine(Project, SessionFile);
        Directory.CreateDirectory(path);

        AssertRefused(path, "is not a regular file");
    }

    [Fact]
    public void A_world_writable_transcript_is_refused()
    {
        var path = Path.Combine(Project, SessionFile);
        File.WriteAllText(path, Call("toolu_writable"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);

        AssertRefused(path, "is writable by other users");
    }

    [SkippableFact]
    public void A_transcript_owned_by_another_user_is_refused()
    {
        Skip.IfNot(Environment.UserName == "root", "needs root to give a file to another user");
        var path = Path.Combine(Project, SessionFile);
        File.WriteAllText(path, Call("toolu_other"));
        Run("chown", "65534:65534", path);

        AssertRefused(path, "is owned by uid 65534");
    }

    [Fact]
    public void A_line_longer_than_the_cap_is_skipped_and_the_lines_around_it_are_read()
    {
        var path = Path.Combine(Project, SessionFile);
        File.WriteAllText(path, Call("toolu_before") + Call("toolu_huge", command: new string('x', 300_000)) + Call("toolu_after"));

        var calls = Read(path, Reader(maxLineBytes: 100_000));

        Assert.Equal(["toolu_before", "toolu_after"], calls.Select(c => c.ToolUseId));
        Assert.Contains(_log.Lines, l => l.Contains("a line longer than 100000 bytes skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void A_transcript_larger_than_one_pass_is_read_over_several_with_nothing_lost_or_twice()
    {
        var path = Path.Combine(Project, SessionFile);
        var lines = Enumerable.Range(0, 2000).Select(i => Call($"toolu_{i}")).ToList();
        File.WriteAllText(path, string.Concat(lines));
        var reader = Reader(maxLineBytes: 4096, maxBytesPerPass: 64 * 1024);

        var first = Read(path, reader);
        var all = new List<ExecutedToolCall>(first);
        for (var pass = 0; pass < 100 && all.Count < lines.Count; pass++)
        {
            all.AddRange(Read(path, reader));
        }

        Assert.InRange(first.Count, 1, lines.Count - 1); // the first pass stopped at its cap
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"toolu_{i}"), all.Select(c => c.ToolUseId));
    }

    [Fact]
    public void Garbage_lines_are_skipped_never_a_crash_and_the_sane_ones_are_read()
    {
        var path = Path.Combine(Project, SessionFile);
        using (var file = File.Create(path))
        {
            void Line(byte[] bytes)
            {
                file.Write(bytes);
                file.WriteByte((byte)'\n');
            }
            void Text(string text) => Line(Encoding.UTF8.GetBytes(text));
            Text(Call("toolu_ok1").TrimEnd('\n'));
            Text("not json at all \"tool_use\"");
            var invalidUtf8 = Encoding.UTF8.GetBytes(ToolUse("toolu_badutf8X").TrimEnd('\n'));
            invalidUtf8[Array.IndexOf(invalidUtf8, (byte)'X')] = 0xFF;
            Line(invalidUtf8);
            Text(ToolUse(@"toolu_\ud800").TrimEnd('\n'));                 // a lone surrogate escape in the id
            Text(ToolUse("toolu_$(rm -rf ~)").TrimEnd('\n'));              // not an id
            Text(ToolUse("toolu_name", "Bash\\nInjected").TrimEnd('\n'));  // not a tool name
            Text("""{"type":"assistant","message":{"content":[{"type":"tool_use","id":42,"name":["Bash"]}]}}""");
            Text(new string('[', 10_000) + "\"tool_use\"");
            Text("""[{"type":"tool_use","id":"toolu_array","name":"Bash"}]""");
            Text("""{"type":"user","message":{"content":[{"type":"tool_use","id":"toolu_user","name":"Bash"}]}}""");
            Text("""{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"not an id!"}]}}""");
            Text(Call("toolu_ok2").TrimEnd('\n'));
        }

        var calls = Read(path);

        Assert.Equal(["toolu_ok1", "toolu_ok2"], calls.Select(c => c.ToolUseId));
        Assert.Contains(_log.Lines, l => l.Contains("8 lines skipped", StringComparison.Ordinal));
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern IntPtr OpenNative(string path, int flags);

    /// <summary>O_RDWR on a FIFO opens at once on Linux (it is its own reader), so the test can write into it.</summary>
    private static IntPtr OpenReadWrite(string path)
    {
        var fd = OpenNative(path, 2);
        Assert.True(fd >= 0, "cannot open the FIFO");
        return fd;
    }

    /// <summary>The sidecar's log lines, formatted.</summary>
    internal sealed class ListLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return _lines.ToList();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }
    }
}
