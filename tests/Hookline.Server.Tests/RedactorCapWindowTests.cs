using System.Text;
using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>
/// A payload far over the capture cap is redacted in a window of its head only. The window is no longer whole JSON,
/// so it cannot be walked as JSON; a secret there must still be found whatever JSON spelling hides it.
/// </summary>
public class RedactorCapWindowTests
{
    [Theory]
    [InlineData("{\"command\":\"echo \\u0067hp_EscapedHeadToken0123456789abcdefABCD\",\"pad\":\"PAD\"}", "EscapedHeadToken")]
    [InlineData("{\"command\":\"curl https:\\/\\/deploy:EscapedUrlPa55word@example.com\",\"pad\":\"PAD\"}", "EscapedUrlPa55word")]
    [InlineData("{\"password\":\"PlainFieldValue77\",\"pad\":\"PAD\"}", "PlainFieldValue77")]
    [InlineData("{\"config\":\"{\\\"api_key\\\":\\\"NestedFieldValue77\\\"}\",\"pad\":\"PAD\"}", "NestedFieldValue77")]
    [InlineData("{\"env\":{\"GITHUB_TOKEN\":\"NamedEnvValue77xyz\"},\"pad\":\"PAD\"}", "NamedEnvValue77xyz")]
    [InlineData("{\"command\":\"export AWS_SECRET_ACCESS_KEY=\\u0041wsHeadS3cretValue0123456789\",\"pad\":\"PAD\"}", "wsHeadS3cretValue")]
    [InlineData("{\"\\u0070assword\":\"EscapedNameValue77\",\"pad\":\"PAD\"}", "EscapedNameValue77")]
    [InlineData("{\"config\":\"{\\\"k\\\":\\\"\\\\u0067hp_NestedEscapedToken0123456789abcdef\\\"}\",\"pad\":\"PAD\"}", "NestedEscapedToken")]
    [InlineData("{\"command\":\"echo \\\\\\u0067hp_AfterBackslashToken0123456789abcdef\",\"pad\":\"PAD\"}", "AfterBackslashToken")]
    public void A_secret_in_the_head_of_a_payload_far_over_the_cap_is_redacted_whatever_its_json_spelling(string template, string secret)
    {
        const int cap = 4096;
        var small = Encoding.UTF8.GetBytes(template.Replace("PAD", "p"));
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(Redactor.RedactJson(small, cap, out _)));

        var large = Encoding.UTF8.GetBytes(template.Replace("PAD", new string('p', cap + Redactor.WindowMargin + 10)));
        var stored = Encoding.UTF8.GetString(Redactor.RedactJson(large, cap, out var truncated));
        Assert.True(truncated);
        Assert.DoesNotContain(secret, stored);

        // JSON that does not parse (here: one byte short of its end) is redacted as text too.
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(Redactor.RedactJson(small.AsSpan(0, small.Length - 1), cap, out _)));
    }

    [Theory]
    [InlineData(@"a\u0067hp_x", "aghp_x")]
    [InlineData(@"\u0067 \\u0067 \\\u0067 \\\\u0067", @"g g \\g g")]
    [InlineData(@"https:\/\/h \\/", "https://h /")]
    [InlineData(@"\u0022 \u005c \u000a \ud83d\ude00 \u12 \uzzzz \", @"\u0022 \u005c \u000a \ud83d\ude00 \u12 \uzzzz \")]
    [InlineData(@"\u212a \u00E9", "\u212a \u00e9")]
    public void Escapes_are_spelt_out_at_the_depth_that_reads_them_and_no_other(string json, string expected)
        => Assert.Equal(expected, Redactor.SpellOutEscapes(json));
}
