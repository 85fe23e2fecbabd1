namespace Hookline.Policy.Internal.Options;

/// <summary>A pattern's words as Bash would split them: whitespace outside quotes separates, quotes are removed.</summary>
internal static class PatternWords
{
    public static List<string> Split(string specifier)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var inWord = false;
        var quote = '\0';
        for (var i = 0; i < specifier.Length; i++)
        {
            var c = specifier[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c == quote)
            {
                quote = '\0';
            }
            else if (quote == '\0' && c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '\\' && quote != '\'' && i + 1 < specifier.Length)
            {
                word.Append(specifier[++i]);
            }
            else
            {
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
