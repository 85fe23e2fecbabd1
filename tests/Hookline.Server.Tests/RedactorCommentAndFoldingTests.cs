using System.Text;
using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>A secret in a JSON comment is redacted (it was kept as it came), and non-ASCII case foldings redact alike on the fast and the full path.</summary>
public class RedactorCommentAndFoldingTests
{
    // Case foldings that are not ASCII: the long s (U+017F) and the Turkish dotless/dotted i. The gates compare ASCII
    // ignoring case; the case-insensitive patterns use .NET's invariant regex casing table. Both must agree.
    [Theory]
    [InlineData("export DB_PA\u017F\u017FWORD=hunter2review")]
    [InlineData("tool --pa\u017F\u017Fword hunter2review")]
    [InlineData("client_\u017Fecret: hunter2review")]
    [InlineData("Author\u0131zat\u0131on: Bearer hunter2review")]
    [InlineData("AUTHOR\u0130ZAT\u0130ON: Bearer hunter2review")]
    [InlineData("aws conf\u0131gure set aws_secret_access_key hunter2review")]
    [InlineData("cred\u0131ential=hunter2review")]
    public void Non_ascii_case_foldings_redact_as_the_full_path_does(string text)
    {
        Assert.Equal(Redactor.Redact(text, gated: false), Redactor.Redact(text));
        var json = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { command = text, pa\u017F\u017Fword = "hunter2review" }));
        Assert.Equal(Redactor.RedactJsonIfChanged(json, gated: false) ?? json, Redactor.RedactJsonIfChanged(json, gated: true) ?? json);
    }

    // A JSON (JSONC) file an agent writes, with a token in a comment: read as JSON, the comment is skipped, nothing
    // changes, and the string is kept as it came: the token is stored. Both paths (gated or not).
    [Theory]
    [InlineData("{\"file_path\":\"/w/.vscode/settings.json\",\"content\":\"{\\n  // ghp_1234567890abcdefghijABCDEFGHIJ123456\\n  \\\"a\\\": 1\\n}\"}")]
    [InlineData("{\"a\": 1 /* ghp_1234567890abcdefghijABCDEFGHIJ123456 */}")]
    public void A_secret_in_a_json_comment_is_redacted(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        Assert.DoesNotContain("ghp_1234567890", Encoding.UTF8.GetString(Redactor.RedactJson(utf8, 64 * 1024, out _)));
        Assert.DoesNotContain("ghp_1234567890", Encoding.UTF8.GetString(Redactor.RedactJsonIfChanged(utf8, gated: false) ?? utf8));
    }
}
