using System.Text;
using System.Text.Json;
using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>
/// A string value of valid JSON that is not JSON itself (a command, JSON Lines, JSON with a trailing comma) holds JSON
/// escapes one level of quoting down, which hide a secret from the text patterns as they do in JSON that cannot be
/// walked; and a payload in which nothing is redacted is stored as it was sent, escapes and all.
/// </summary>
public class RedactorEscapedValueTests
{
    [Theory]
    [InlineData("""{"tool_input":{"content":"{\"a\":1}\n{\"url\":\"https:\\/\\/deploy:JsonLinesPa55word@example.com\"}"}}""", "JsonLinesPa55word")]
    [InlineData("""{"command":"printf '\\u0067hp_PrintfEscapedToken0123456789abcdef'"}""", "PrintfEscapedToken")]
    [InlineData("""{"content":"{\"k\":\"\\u0067hp_TrailingCommaToken0123456789abcdef\",}"}""", "TrailingCommaToken")]
    [InlineData("""{"k":{"\\u0067hp_EscapedNameToken0123456789abcdef":1}}""", "EscapedNameToken")]
    public void A_secret_escaped_one_level_down_in_a_string_that_is_not_json_is_redacted(string payload, string secret)
    {
        var utf8 = Encoding.UTF8.GetBytes(payload);
        var stored = Redactor.RedactJson(utf8, 64 * 1024, out var truncated);

        Assert.False(truncated);
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(stored));
        using var _ = JsonDocument.Parse(stored);
        Assert.Equal(Redactor.RedactJsonIfChanged(utf8, gated: false), Redactor.RedactJsonIfChanged(utf8, gated: true));
    }

    [Fact]
    public void The_head_of_a_payload_far_over_the_cap_keeps_its_escapes_when_nothing_is_redacted()
    {
        const int cap = 4096;
        // Spelt out, \\u0041 would read "A" and \/ "/": the record would show a command other than the one sent.
        var head = """{"command":"printf '\\u0041\u00e9' && curl https:\/\/example.com\/x","pad":" """;
        var original = Encoding.UTF8.GetBytes(head + new string('p', cap + Redactor.WindowMargin + 10) + "\"}");

        var stored = Redactor.RedactJson(original, cap, out var truncated);

        Assert.True(truncated);
        var kept = cap - Redactor.TruncationMarker.Length;
        Assert.Equal(Encoding.UTF8.GetString(original, 0, kept) + Redactor.TruncationMarker, Encoding.UTF8.GetString(stored));
    }
}
