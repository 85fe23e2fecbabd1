using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>
/// The redactor skips a pattern on text that holds none of its gate's strings, and a JSON document without a hint, and
/// reads a document before it writes one again. None of that may skip a secret: on every secret of the corpus, written
/// into JSON at different places and escaped in different ways, the fast path gives exactly what the full path gives
/// (every pattern run on every string of every document).
/// </summary>
public class RedactorFastPathTests
{
    private static readonly string[] Samples =
    [
        .. SecretCorpus.Commands.Select(c => c.Command), .. SecretCorpus.Ordinary, .. SecretCorpus.Documents.Select(d => d.Json),
        SecretCorpus.Prompt, SecretCorpus.ToolOutput,
        "token ghp_1234567890abcdefghijABCDEFGHIJ123456 end", "id AKIAIOSFODNN7EXAMPLE end", "id ABIAIOSFODNN7EXAMPLE end",
        "id ACCAIOSFODNN7EXAMPLE end", "key sk-ant-api03-abcdefghijklmnopqrstuvwxyz end", "key sk-abcdefghijklmnopqrstuvwxyz0123 end",
        "slack xoxp-1234567890-abcdefghij end", "npm npm_abcdefghijklmnopqrstuvwxyz0123456789 end", "gcp AIzaSyA1234567890abcdefghijklmnopqrstuv end",
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcDEF123 end", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBexample\n-----END EC PRIVATE KEY----- end",
        "git clone https://bob:pa55w0rd@example.com/r.git end", "tool --client-secret 'a b c' end", "curl --user bob:pa55w0rd end",
        "mysqldump -h db -pPa55w0rd end", "X-Api-Key: abc123 end", "sshpass -p pa55w0rd ssh h end", "docker login -p pa55w0rd r.example.com end",
        "openssl rsa -passin pass:pa55w0rd end", "aws configure set aws_session_token pa55w0rd end", "key sk_live_abcdefghij0123456789 end",
        "key hf_abcdefghijklmnopqrstuvwxyz01234567 end", "key glpat-abcdefghij0123456789 end", "export API_KEY=kelvinSignValue1 end",
    ];

    public static TheoryData<string> Texts => [.. Samples];

    [Theory]
    [MemberData(nameof(Texts))]
    public void Every_sample_in_every_place_and_escape_redacts_as_the_full_path_does(string sample)
    {
        foreach (var text in Variants(sample))
        {
            Assert.Equal(Redactor.Redact(text, gated: false), Redactor.Redact(text));
            foreach (var document in Documents(text))
            {
                var utf8 = Encoding.UTF8.GetBytes(document);
                var full = Redactor.RedactJsonIfChanged(utf8, gated: false) ?? utf8;
                var fast = Redactor.RedactJsonIfChanged(utf8, gated: true) ?? utf8;
                Assert.True(full.AsSpan().SequenceEqual(fast), $"{document}\nfull: {Encoding.UTF8.GetString(full)}\nfast: {Encoding.UTF8.GetString(fast)}");
                Assert.Equal(Redactor.RedactStored(document, gated: false), Redactor.RedactStored(document));
            }
        }
    }

    // Secrets the first prescan missed: a hint hidden by a JSON escape other than \u, a key prefix missing from the
    // hints, and the Kelvin sign, which the case-insensitive patterns read as 'k' and an ordinal scan does not.
    [Theory]
    [InlineData("""{"command":"git clone https:\/\/bob:escapedSlashPa55@example.com/r.git"}""", "escapedSlashPa55")]
    [InlineData("""{"command":"aws s3 ls # ABIAIOSFODNN7EXAMPLE"}""", "ABIAIOSFODNN7EXAMPLE")]
    [InlineData("""{"command":"export API_\u212AEY=kelvinSignValue1"}""", "kelvinSignValue1")]
    [InlineData("""{"command":"deploy","payload":"{\"url\":\"https:\\/\\/u:nestedSlashPa55@h/x\"}"}""", "nestedSlashPa55")]
    public void Secrets_a_hint_scan_could_miss_are_redacted(string json, string secret)
    {
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(Redactor.RedactJson(Encoding.UTF8.GetBytes(json))));
        Assert.DoesNotContain(secret, Redactor.RedactStored(json));
        var text = JsonDocument.Parse(json).RootElement.GetProperty("command").GetString()!;
        Assert.DoesNotContain(secret, Redactor.Redact(text));
    }

    [Fact]
    public void A_document_without_a_secret_is_kept_as_it_came()
    {
        // Hints without secrets (a URL, a field named key): read, not written again, so the bytes are the same.
        var utf8 = """{ "url": "https://learn.microsoft.com/dotnet/api" , "key" : 3, "list": [ "git push origin feature/login" ] }"""u8.ToArray();
        Assert.Null(Redactor.RedactJsonIfChanged(utf8, gated: true));
        Assert.Null(Redactor.RedactJsonIfChanged(utf8, gated: false));
        Assert.Equal(utf8, Redactor.RedactJson(utf8));
    }

    // Fragments that meet at odd places, with escapes, the Kelvin sign and case changes.
    private static readonly string[] Fragments =
    [
        .. Samples, "\u212A", "ey", "api_", "to", "en", "=", ": ", "\"", "\\", "\\u0067", "\\/", "/", "https:", "//", "u:", "@", "{", "}", "[", "]",
        ",", " ", "\n", "password", "PASS", "Secret", "-p", "-u", "login", "configure", "set", "aws", "ghp_", "AKIA", "abcdefghij0123456789abcdefghij",
    ];

    [Fact]
    public void Glued_fragments_redact_as_the_full_path_does()
    {
        // A fixed seed keeps CI repeatable; 300 texts of five fragments each.
        var random = new Random(20261208);
        for (var i = 0; i < 300; i++)
        {
            var text = string.Concat(Enumerable.Range(0, 5).Select(_ => Fragments[random.Next(Fragments.Length)]));
            Assert.Equal(Redactor.Redact(text, gated: false), Redactor.Redact(text));
            foreach (var document in Documents(text))
            {
                var utf8 = Encoding.UTF8.GetBytes(document);
                Assert.True((Redactor.RedactJsonIfChanged(utf8, gated: true) ?? utf8).AsSpan().SequenceEqual(Redactor.RedactJsonIfChanged(utf8, gated: false) ?? utf8), document);
                Assert.Equal(Redactor.RedactStored(document, gated: false), Redactor.RedactStored(document));
            }
        }
    }

    private static IEnumerable<string> Variants(string text) =>
        [text, text.ToUpperInvariant(), text.ToLowerInvariant(), text.Replace('k', '\u212A').Replace('K', '\u212A')];

    /// <summary>The text as a value, a name, an array item, inside a JSON string, and in a cut document; each escaped five ways.</summary>
    private static IEnumerable<string> Documents(string text)
    {
        foreach (var escape in Escapes)
        {
            var s = escape(text);
            var inner = "{\"inner\":" + s + ",\"password\":\"p\"}";
            yield return "{\"command\":" + s + ",\"description\":\"run it\"}";
            yield return "{" + s + ":\"x\"}";
            yield return "[1," + s + ",null]";
            yield return "{\"content\":" + escape(inner) + "}";
            yield return "{\"command\":" + s;
        }
    }

    private static readonly Func<string, string>[] Escapes =
    [
        s => JsonSerializer.Serialize(s),
        s => JsonSerializer.Serialize(s, Relaxed),
        s => "\"" + string.Concat(s.Select(c => $"\\u{(int)c:x4}")) + "\"",
        s => JsonSerializer.Serialize(s, Relaxed).Replace("/", "\\/"),
        s => "\"" + string.Concat(s.Select((c, i) => i % 2 == 1 && char.IsAsciiLetter(c) ? $"\\u{(int)c:X4}" : JsonSerializer.Serialize(c.ToString(), Relaxed)[1..^1])) + "\"",
    ];

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
