using System.Globalization;

namespace Hookline.Policy.Internal.Document;

/// <summary>Durations are written <c>500ms</c>, <c>60s</c>, <c>15m</c>, <c>24h</c> or <c>30d</c>.</summary>
internal static class DurationParser
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var s = text.Trim();
        var unitStart = 0;
        while (unitStart < s.Length && char.IsAsciiDigit(s[unitStart]))
        {
            unitStart++;
        }

        if (unitStart == 0 || unitStart > 9 || !long.TryParse(s.AsSpan(0, unitStart), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        var ms = s[unitStart..] switch
        {
            "ms" => n,
            "s" => n * 1000,
            "m" => n * 60_000,
            "h" => n * 3_600_000,
            "d" => n * 86_400_000,
            _ => -1,
        };
        if (ms <= 0)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }
}
