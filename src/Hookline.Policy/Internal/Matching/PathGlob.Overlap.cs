using Hookline.Policy.Internal.Paths;

namespace Hookline.Policy.Internal.Matching;

/// <summary>
/// Whether a path pattern and a shell glob (or a search scope) can name the same file: "could some path match both?".
/// Used where the engine cannot know what a glob expands to (<c>cat .en?</c>, Grep with <c>glob: .env*</c>): an
/// overlap with a protected path is at least ask, never allow.
/// </summary>
internal sealed partial class PathGlob
{
    private readonly string[] _segments;

    /// <summary>
    /// Could some path match this pattern and also <paramref name="absoluteGlob"/>, a normalised absolute path whose
    /// segments may hold <c>*</c>, <c>?</c>, <c>[...]</c> and <c>**</c> (any number of segments)? A segment of the glob
    /// that starts with a wildcard does not match a leading dot, as the shell's expansion does not. (The name filters
    /// of grep, rg and find do, but a filter such as <c>*.ts</c> selects a type, not a hidden file: only a filter
    /// aimed at a dot name, like <c>.env*</c>, counts.)
    /// </summary>
    public bool CouldOverlap(ReadOnlySpan<char> absoluteGlob, in PathFrame frame)
    {
        var pattern = new List<string>();
        switch (Anchor)
        {
            case PathAnchor.Home when frame.Home is null:
                pattern.Add("**"); // an unknown home may be any directory
                break;
            case PathAnchor.Home:
                AddLiteralSegments(pattern, frame.Home);
                break;
            case PathAnchor.Cwd:
                var baseDir = frame.Root;
                for (var i = 0; i < ParentLevels; i++)
                {
                    baseDir = PathNormalizer.Parent(baseDir);
                }

                AddLiteralSegments(pattern, baseDir);
                break;
            case PathAnchor.Anywhere:
                pattern.Add("**");
                break;
        }

        foreach (var segment in _segments)
        {
            if (segment.Length > 0)
            {
                pattern.Add(segment);
            }
        }

        var glob = new List<string>();
        foreach (var range in absoluteGlob.Split('/'))
        {
            if (absoluteGlob[range].Length > 0)
            {
                glob.Add(absoluteGlob[range].ToString());
            }
        }

        if (GlobOverlap.Segments(pattern, glob))
        {
            return true;
        }

        if (Anchor == PathAnchor.Anywhere)
        {
            return false; // a name pattern (**/.env, *.pem) names files
        }

        // An anchored pattern that names a directory (~/.ssh) covers everything below it, so a glob reaching into it
        // overlaps (~/.s*/id_rsa). A glob's ** does not count for this: "a directory named like the file, holding the
        // glob's files" (proj/.env/x.cs for ./.env and **/*.cs) is too far-fetched to ask about.
        pattern.Add("**");
        for (var i = 0; i < glob.Count; i++)
        {
            glob[i] = glob[i] == "**" ? "*" : glob[i];
        }

        return GlobOverlap.Segments(pattern, glob);
    }

    /// <summary>The pattern names a directory's content (<c>~/.ssh/**</c>): a search rooted above it reaches into it.</summary>
    public bool NamesDirectoryContent => Anchor != PathAnchor.Anywhere && _segments[^1] == "**";

    private static void AddLiteralSegments(List<string> into, string directory)
    {
        foreach (var segment in directory.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            into.Add(GlobOverlap.Escape(segment));
        }
    }
}

/// <summary>Intersection of two glob languages, by segments (<c>**</c> spans any number) and by characters within one.</summary>
internal static class GlobOverlap
{
    /// <summary>Can one path match both segment lists? The first list is a rule's pattern, the second a shell glob.</summary>
    public static bool Segments(List<string> pattern, List<string> glob) =>
        Intersect(pattern, glob, static s => s == "**", SegmentOverlaps);

    /// <summary>Can one file name match both segment globs?</summary>
    public static bool SegmentOverlaps(string pattern, string glob)
    {
        var a = Tokens(pattern);
        var b = Tokens(glob);

        // The shell does not let a leading wildcard match a dot file (without dotglob).
        if (b.Count > 0 && b[0].IsWildcard && a.Count > 0 && a[0].Kind == TokenKind.Char && a[0].Char == '.')
        {
            return false;
        }

        return Intersect(a, b, static t => t.Kind == TokenKind.Star, static (x, y) => x.Intersects(y));
    }

    /// <summary>
    /// Do two sequences of items, where a star item stands for any run of items, accept a common sequence? A memoised
    /// walk over (i, j): a star may absorb the other side's next item or step over; other items must intersect.
    /// </summary>
    private static bool Intersect<T>(List<T> a, List<T> b, Func<T, bool> isStar, Func<T, T, bool> overlap)
    {
        var memo = new byte[(a.Count + 1) * (b.Count + 1)];
        return From(0, 0);

        bool From(int i, int j)
        {
            var key = (i * (b.Count + 1)) + j;
            if (memo[key] != 0)
            {
                return memo[key] == 2;
            }

            bool result;
            if (i == a.Count && j == b.Count)
            {
                result = true;
            }
            else if (i < a.Count && isStar(a[i]))
            {
                result = From(i + 1, j) || (j < b.Count && From(i, j + 1));
            }
            else if (j < b.Count && isStar(b[j]))
            {
                result = From(i, j + 1) || (i < a.Count && From(i + 1, j));
            }
            else
            {
                result = i < a.Count && j < b.Count && overlap(a[i], b[j]) && From(i + 1, j + 1);
            }

            memo[key] = result ? (byte)2 : (byte)1;
            return result;
        }
    }

    public static string Escape(string literal)
    {
        if (literal.AsSpan().IndexOfAny("*?[]\\") < 0)
        {
            return literal;
        }

        var sb = new System.Text.StringBuilder(literal.Length + 4);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private enum TokenKind
    {
        Char,
        Any,
        Class,
        Star,
    }

    private readonly record struct Token(TokenKind Kind, char Char, string? Ranges, bool Negated)
    {
        public bool IsWildcard => Kind is TokenKind.Any or TokenKind.Star or TokenKind.Class;

        public bool Accepts(char c) => Kind switch
        {
            TokenKind.Char => c == Char,
            TokenKind.Any or TokenKind.Star => c != '/',
            _ => InRanges(c) != Negated,
        };

        private bool InRanges(char c)
        {
            for (var k = 0; k + 1 < Ranges!.Length; k += 2)
            {
                if (c >= Ranges[k] && c <= Ranges[k + 1])
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Is there a character both single-character tokens accept? Candidates are the range ends of both.</summary>
        public bool Intersects(Token other)
        {
            if (Kind == TokenKind.Char)
            {
                return other.Accepts(Char);
            }

            if (other.Kind == TokenKind.Char)
            {
                return Accepts(other.Char);
            }

            if (Kind == TokenKind.Any || other.Kind == TokenKind.Any || (Negated && other.Negated))
            {
                return true; // a negated class, or '?', leaves almost every character
            }

            foreach (var candidate in (Ranges ?? "") + (other.Ranges ?? "") + "a0._-")
            {
                if (Accepts(candidate) && other.Accepts(candidate))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static List<Token> Tokens(string glob)
    {
        var tokens = new List<Token>(glob.Length);
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*':
                    if (tokens.Count == 0 || tokens[^1].Kind != TokenKind.Star)
                    {
                        tokens.Add(new Token(TokenKind.Star, '\0', null, false));
                    }

                    break;
                case '?':
                    tokens.Add(new Token(TokenKind.Any, '\0', null, false));
                    break;
                case '\\' when i + 1 < glob.Length:
                    tokens.Add(new Token(TokenKind.Char, glob[++i], null, false));
                    break;
                case '[' when glob.IndexOf(']', i + 2) is var close && close > 0:
                    var content = glob.AsSpan(i + 1, close - i - 1);
                    var negated = content.Length > 0 && content[0] is '!' or '^';
                    if (negated)
                    {
                        content = content[1..];
                    }

                    var ranges = new System.Text.StringBuilder();
                    for (var k = 0; k < content.Length; k++)
                    {
                        var low = content[k];
                        var high = k + 2 < content.Length && content[k + 1] == '-' ? content[k += 2] : low;
                        ranges.Append(low).Append(high);
                    }

                    tokens.Add(new Token(TokenKind.Class, '\0', ranges.ToString(), negated));
                    i = close;
                    break;
                default:
                    tokens.Add(new Token(TokenKind.Char, c, null, false));
                    break;
            }
        }

        return tokens;
    }
}
