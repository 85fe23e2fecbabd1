using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Words;

/// <summary>The word forms (<see cref="WordText"/>) of one sub-command: as written, by base name, with sudo.</summary>
internal readonly record struct CommandWordForms(TextRange Text, TextRange BaseName, TextRange Privileged)
{
    /// <summary>The form allow rules must match.</summary>
    public TextRange AllowText => Privileged.HasValue ? Privileged : Text;
}

/// <summary>
/// The word forms of every sub-command of a scan, built once per evaluation on first use (in the scan's text, so
/// nothing is allocated), and the templates of sub-commands holding words only known at run time.
/// </summary>
internal sealed class WordForms
{
    private readonly List<CommandWordForms> _forms = [];
    private bool _built;

    public void Clear()
    {
        _forms.Clear();
        _built = false;
    }

    public CommandWordForms this[ShellScan scan, int command]
    {
        get
        {
            if (!_built)
            {
                Build(scan);
            }

            return _forms[command];
        }
    }

    private void Build(ShellScan scan)
    {
        _built = true;
        foreach (var command in scan.Commands)
        {
            var text = Append(scan, command, Form.Text, template: false);
            var baseName = command.BaseNameText.HasValue ? Append(scan, command, Form.BaseName, template: false) : TextRange.None;
            var privileged = command.PrivilegedText.HasValue ? Append(scan, command, Form.Privileged, template: false) : TextRange.None;
            _forms.Add(new CommandWordForms(text, baseName, privileged));
        }
    }

    /// <summary>Whether a sub-command holds a word only known at run time (other than its name).</summary>
    public static bool HasUnresolvedWord(ShellScan scan, SubCommandRange command)
    {
        var words = scan.WordsOf(command);
        for (var i = 1; i < words.Length; i++)
        {
            if (words[i].IsDynamic)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The templates of a sub-command's forms (<see cref="WordTemplate"/>), appended to the scan's text.</summary>
    public static CommandWordForms Templates(ShellScan scan, SubCommandRange command) =>
        new(Append(scan, command, Form.Text, template: true),
            command.BaseNameText.HasValue ? Append(scan, command, Form.BaseName, template: true) : TextRange.None,
            command.PrivilegedText.HasValue ? Append(scan, command, Form.Privileged, template: true) : TextRange.None);

    private enum Form
    {
        Text,
        BaseName,
        Privileged,
    }

    private static TextRange Append(ShellScan scan, SubCommandRange command, Form form, bool template)
    {
        var text = scan.Text;
        var start = text.Length;
        var words = scan.WordsOf(command);
        if (words.IsEmpty)
        {
            // A command built without words: its joined text, spaces taken as word gaps.
            var joined = form switch { Form.BaseName => command.BaseNameText, Form.Privileged => command.PrivilegedText, _ => command.Text };
            var span = text.GetSpan(joined.Length);
            WordText.FromPlain(text[joined], span);
            text.Advance(joined.Length);
            return text.From(start);
        }

        var from = 0;
        if (form == Form.Privileged)
        {
            text.Append("sudo");
        }
        else if (form == Form.BaseName)
        {
            var first = text[words[0].Text];
            WordText.AppendWord(text, CommandSimplifier.BaseName(first));
            from = CommandSimplifier.BaseName(first) is "git" ? CommandSimplifier.SkipGitGlobalOptions(scan, words) : 1;
        }

        for (var i = from; i < words.Length; i++)
        {
            var gap = text.Length > start;
            if (template && words[i].IsDynamic)
            {
                WordTemplate.Append(text, text[words[i].Raw], gap);
                continue;
            }

            if (gap)
            {
                text.Append(WordText.Separator);
            }

            WordText.AppendWord(text, text[words[i].Text]);
        }

        return text.From(start);
    }
}
