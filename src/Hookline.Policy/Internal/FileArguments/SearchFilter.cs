using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// The files a search limited by a name filter may read, as one absolute glob (Grep's <c>glob</c>, Gemini's
/// <c>include</c>, <c>grep --include</c>, <c>rg -g</c>, <c>find -name</c>): <c>root/**/NAME</c>, or <c>root/DIR/NAME</c>
/// for a filter with a slash (gitignore style).
/// </summary>
internal static class SearchFilter
{
    /// <summary>Appends the glob to <paramref name="text"/> (not normalised); None when the filter limits nothing (<c>*</c>, <c>src/**</c>).</summary>
    public static TextRange Append(TextArena text, ReadOnlySpan<char> root, ReadOnlySpan<char> filter)
    {
        if (filter.StartsWith("./", StringComparison.Ordinal))
        {
            filter = filter[2..];
        }

        var name = filter[(filter.LastIndexOf('/') + 1)..];
        if (name.Trim('*').Length == 0)
        {
            return TextRange.None; // "*" or "dir/**" limits no names: a plain search, as if unfiltered
        }

        var anchored = filter.TrimStart('/').Contains('/') && !filter.StartsWith("**/", StringComparison.Ordinal);
        var start = text.Length;
        text.Append(root);
        text.Append(anchored ? "/" : "/**/");
        text.Append(filter.StartsWith("**/", StringComparison.Ordinal) ? filter[3..] : filter.TrimStart('/'));
        return text.From(start);
    }
}
