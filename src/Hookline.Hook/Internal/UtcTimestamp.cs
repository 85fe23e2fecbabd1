namespace Hookline.Hook.Internal;

/// <summary>ISO-8601 UTC with milliseconds, e.g. 2025-11-25T19:01:02.123Z, formatted by hand (no culture data).</summary>
internal static class UtcTimestamp
{
    internal static string Format(DateTime utc)
    {
        Span<char> text = stackalloc char[24];
        Put(text, 0, utc.Year, 4);
        text[4] = '-';
        Put(text, 5, utc.Month, 2);
        text[7] = '-';
        Put(text, 8, utc.Day, 2);
        text[10] = 'T';
        Put(text, 11, utc.Hour, 2);
        text[13] = ':';
        Put(text, 14, utc.Minute, 2);
        text[16] = ':';
        Put(text, 17, utc.Second, 2);
        text[19] = '.';
        Put(text, 20, utc.Millisecond, 3);
        text[23] = 'Z';
        return new string(text);
    }

    private static void Put(Span<char> text, int start, int value, int digits)
    {
        for (var i = start + digits - 1; i >= start; i--)
        {
            text[i] = (char)('0' + value % 10);
            value /= 10;
        }
    }
}
