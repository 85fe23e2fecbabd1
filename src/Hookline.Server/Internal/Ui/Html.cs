using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Hookline.Server.Internal.Ui;

/// <summary>A small HTML writer: every text goes through the encoder, markup only through <see cref="Raw"/>.</summary>
internal sealed class Html
{
    private readonly StringBuilder _text = new(8192);

    public Html Raw(string markup)
    {
        _text.Append(markup);
        return this;
    }

    public Html Text(string? text)
    {
        _text.Append(HtmlEncoder.Default.Encode(text ?? ""));
        return this;
    }

    public Html Element(string tag, string? text, string? cls = null)
    {
        _text.Append('<').Append(tag);
        if (cls is not null)
        {
            _text.Append(" class=\"").Append(Attr(cls)).Append('"');
        }
        _text.Append('>');
        return Text(text).Raw($"</{tag}>");
    }

    public Html Link(string href, string text) => Raw($"<a href=\"{Attr(href)}\">").Text(text).Raw("</a>");

    public Html Badge(string? value) => Raw($"<span class=\"badge b-{ClassSuffix(value)}\">").Text(value ?? "none").Raw("</span>");

    /// <summary>A stored value as a class name: letters, digits, '-' and '_' only, so a forged value adds no class (d-deny).</summary>
    public static string ClassSuffix(string? value)
        => string.IsNullOrEmpty(value) ? "none"
            : value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? value : "other";

    public static string Attr(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    public static string Clock(DateTimeOffset time) => time.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public override string ToString() => _text.ToString();
}
