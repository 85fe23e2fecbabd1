using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>What a command does with a file named in its arguments.</summary>
internal enum FileUse : byte
{
    /// <summary>Reads its content (<c>cat x</c>, <c>dd if=x</c>, <c>curl -d @x</c>).</summary>
    Read,

    /// <summary>Writes, replaces or deletes it (<c>tee x</c>, the destination of <c>cp</c>, <c>sed -i</c>, <c>sort -o x</c>).</summary>
    Write,

    /// <summary>Both (an editor, <c>gzip x</c>).</summary>
    ReadWrite,

    /// <summary>Shows a repository's version of it (<c>git show HEAD:x</c>): a read for deny and ask, no file for allow.</summary>
    RepoRead,

    /// <summary>Reads everything below it (<c>grep -r KEY dir</c>, <c>rg</c>, <c>find</c>, <c>tar c</c>).</summary>
    Search,

    /// <summary>The files a search is limited to: <c>root/**/GLOB</c> (<c>grep --include</c>, <c>rg -g</c>, <c>find -name</c>).</summary>
    SearchFilter,

    /// <summary>A word of a command Hookline does not know: it may or may not be a file it reads or writes.</summary>
    Mention,
}

/// <summary>One path a sub-command names, normalised to an absolute path in the evaluation's text.</summary>
/// <param name="Path">The normalised absolute path (a glob when <paramref name="IsGlob"/>).</param>
/// <param name="Use">What the command does with it.</param>
/// <param name="IsGlob">The shell expands it: it stands for the files it could match.</param>
/// <param name="IsPart">A part of a word after <c>=</c>, <c>:</c> or <c>@</c>: checked for deny and ask only.</param>
internal readonly record struct FileArgument(TextRange Path, FileUse Use, bool IsGlob, bool IsPart);

/// <summary>The paths the sub-commands of one Bash event name, kept in the thread's scratch (no allocation once grown).</summary>
internal sealed class FileArgumentList
{
    public List<FileArgument> Items { get; } = [];

    /// <summary>Normalised directories a relative path may be relative to: the cwd, then where <c>cd</c> and friends went.</summary>
    public List<TextRange> Bases { get; } = [];

    /// <summary>An option or operand whose effect the engine cannot see (<c>rg --pre CMD</c>, <c>tee $F</c>): no allow.</summary>
    public TextRange Unseen { get; set; }

    /// <summary>Why <see cref="Unseen"/> is not visible, for the explanation.</summary>
    public string? UnseenWhy { get; set; }

    public void Reset()
    {
        Items.Clear();
        Bases.Clear();
        Unseen = TextRange.None;
        UnseenWhy = null;
    }

    public void MarkUnseen(TextRange word, string why)
    {
        if (!Unseen.HasValue)
        {
            Unseen = word;
            UnseenWhy = why;
        }
    }
}
