namespace Hookline.Hook.Internal;

/// <summary>Text made safe to show on one stderr line: control characters become '?'.</summary>
internal static class Printable
{
    internal static string Of(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]))
            {
                chars[i] = '?';
            }
        }
        return new string(chars);
    }
}
