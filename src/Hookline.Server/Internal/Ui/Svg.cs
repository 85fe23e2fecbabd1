using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// A small SVG writer for the overview's charts, drawn on the server: every text (labels and the <c>&lt;title&gt;</c>
/// hover text of each mark) goes through the encoder; coordinates are written invariantly. Fills are presentation
/// attributes (allowed by the page's CSP, unlike style attributes).
/// </summary>
internal sealed class Svg
{
    private readonly StringBuilder _text = new(4096);

    public Svg(double width, double height, string label, string? cls = null)
    {
        _text.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {N(width)} {N(height)}\" role=\"img\" class=\"chart{(cls is null ? "" : " " + cls)}\" aria-label=\"")
            .Append(Encode(label)).Append("\">");
    }

    /// <summary>A rectangle with its numbers as hover text; <paramref name="fill"/> is a colour or a pattern's url(#id).</summary>
    public Svg Rect(double x, double y, double width, double height, string fill, string? title, string? cls = null)
    {
        _text.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"{fill}\"");
        return Close("rect", cls, title);
    }

    public Svg Line(double x1, double y1, double x2, double y2, string stroke, string? title = null, string? cls = null, string? dash = null)
    {
        _text.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\"");
        if (dash is not null)
        {
            _text.Append(" stroke-dasharray=\"").Append(dash).Append('"');
        }
        return Close("line", cls, title);
    }

    public Svg Polyline(IEnumerable<(double X, double Y)> points, string stroke, string? dash = null)
    {
        _text.Append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").Append(stroke).Append("\" points=\"")
            .AppendJoin(' ', points.Select(p => N(p.X) + "," + N(p.Y))).Append('"');
        if (dash is not null)
        {
            _text.Append(" stroke-dasharray=\"").Append(dash).Append('"');
        }
        _text.Append("/>");
        return this;
    }

    /// <summary>A point marker: a circle, or a square when <paramref name="square"/> (a second series tells apart by shape).</summary>
    public Svg Marker(double x, double y, string fill, bool square, string title)
    {
        _text.Append(square
            ? $"<rect x=\"{N(x - 3.5)}\" y=\"{N(y - 3.5)}\" width=\"7\" height=\"7\" fill=\"{fill}\""
            : $"<circle cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"4\" fill=\"{fill}\"");
        return Close(square ? "rect" : "circle", null, title);
    }

    public Svg Text(double x, double y, string text, string anchor = "start", string? cls = null)
    {
        _text.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\"");
        if (cls is not null)
        {
            _text.Append(" class=\"").Append(cls).Append('"');
        }
        _text.Append('>').Append(Encode(text)).Append("</text>");
        return this;
    }

    /// <summary>Markup written as is: only for constant definitions (patterns).</summary>
    public Svg Raw(string markup)
    {
        _text.Append(markup);
        return this;
    }

    public override string ToString() => _text.ToString() + "</svg>";

    private Svg Close(string tag, string? cls, string? title)
    {
        if (cls is not null)
        {
            _text.Append(" class=\"").Append(cls).Append('"');
        }
        if (title is null)
        {
            _text.Append("/>");
        }
        else
        {
            _text.Append("><title>").Append(Encode(title)).Append("</title></").Append(tag).Append('>');
        }
        return this;
    }

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);

    private static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);
}
