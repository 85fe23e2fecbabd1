using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Follows the elements of one pipeline while a list is parsed: which command each element ended with (so a shell
/// reading the pipe can see its producers), and the pipeline's text for patterns containing '|'.
/// </summary>
internal struct PipelineReader(ShellScan scan)
{
    private readonly int _base = scan.PipelineParts.Count;
    private int _last = -1;
    private bool _afterPipe;

    /// <summary>The input of the element about to be read: the pipe after '|', else what the list had.</summary>
    public readonly StdinSource StdinFor(StdinSource inherited) => _afterPipe ? new StdinSource(StdinKind.Pipe, Index: _base) : inherited;

    /// <summary>An element was read; <paramref name="lastCommand"/> is its last command, or -1 (a compound, or nothing ran).</summary>
    public void Element(int lastCommand) => _last = lastCommand;

    public void Pipe()
    {
        scan.PipelineParts.Add(_last);
        _last = -1;
        _afterPipe = true;
    }

    public void End()
    {
        if (_afterPipe)
        {
            scan.PipelineParts.Add(_last);
            RecordText();
        }

        if (scan.PipelineParts.Count > _base)
        {
            scan.PipelineParts.RemoveRange(_base, scan.PipelineParts.Count - _base);
        }

        _last = -1;
        _afterPipe = false;
    }

    private readonly void RecordText()
    {
        var parts = scan.PipelineParts;
        for (var p = _base; p < parts.Count; p++)
        {
            if (parts[p] < 0)
            {
                return; // a compound element has no single text
            }
        }

        var text = scan.Text;
        var start = text.Length;
        for (var p = _base; p < parts.Count; p++)
        {
            if (p > _base)
            {
                text.Append(" | ");
            }

            var command = scan.Commands[parts[p]];
            text.Append(scan[command.BaseNameText.HasValue ? command.BaseNameText : command.Text]);
        }

        scan.Pipelines.Add(text.From(start));
    }
}
