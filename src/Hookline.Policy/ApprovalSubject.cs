using System.Security.Cryptography;
using System.Text;
using Hookline.Policy.Internal.Approvals;
using Hookline.Policy.Internal.Matching;

namespace Hookline.Policy;

/// <summary>
/// What a person approves, and what <c>remember: session</c> remembers: the same normalised command, path or URL, not
/// everything the rule's pattern matches. Bash: the whole command line, blanks between words collapsed where the shell
/// parser reads it the same (never just the sub-command a rule matched: <c>kubectl apply &amp;&amp; rm -rf ~</c> is a
/// subject of its own); file tools: the normalised path(s); WebFetch: the URL; any other tool: its input as canonical JSON
/// (keys sorted). <see cref="Key"/> is what identical pending requests fold on and what a remembered approval is keyed by.
/// </summary>
/// <param name="Subject">For people: the command, path(s), URL or input.</param>
/// <param name="Key">Lowercase hex SHA-256 of the canonical tool name, NUL and the subject; for a Bash command or a
/// tool input (which may name relative paths) also NUL and the working directory, so the same words run elsewhere are
/// another subject.</param>
public sealed record ApprovalSubject(string Subject, string Key)
{
    /// <summary>The subject of one event.</summary>
    public static ApprovalSubject Of(PolicyInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var subject = EventSubject.Create(input);
        var tool = subject.Tool;
        string text;
        string? directory = null;
        if (tool == ToolNames.Bash && subject.RawCommand is { } command)
        {
            text = subject.Shell is null ? command : CommandSubject.Normalize(command);
            directory = subject.Cwd;
        }
        else if (tool is ToolNames.Read or ToolNames.Edit or ToolNames.Write or ToolNames.MultiEdit or ToolNames.NotebookEdit && subject.Path is { } path)
        {
            text = subject.AllPaths is { } paths ? string.Join('\n', paths) : path;
        }
        else if (tool == ToolNames.WebFetch && EventSubject.GetString(input.ToolInput, "url") is { Length: > 0 } url)
        {
            text = url;
        }
        else
        {
            text = tool.Length == 0 && input.Prompt is { } prompt ? prompt : CanonicalJson.Of(input.ToolInput);
            directory = subject.Cwd;
        }

        return new ApprovalSubject(text, KeyOf(tool.Length == 0 ? input.HookEvent : tool, text, directory));
    }

    /// <summary>Text that is not Unicode (a lone surrogate) throws rather than hash like another subject.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string KeyOf(string tool, string subject, string? directory)
    {
        var material = directory is null ? $"{tool}\0{subject}" : $"{tool}\0{subject}\0{directory}";
        return Convert.ToHexStringLower(SHA256.HashData(StrictUtf8.GetBytes(material)));
    }
}
