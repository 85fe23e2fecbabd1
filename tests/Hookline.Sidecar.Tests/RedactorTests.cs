using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Sidecar.Tests;

public class RedactorTests
{
    public static TheoryData<string, string[]> Corpus => SecretCorpus.Theory(SecretCorpus.Commands);

    public static TheoryData<string> Ordinary => [.. SecretCorpus.Ordinary];

    [Fact]
    public void The_corpus_holds_at_least_forty_secrets() => Assert.True(SecretCorpus.AllSecrets.Count() >= 40);

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Every_secret_of_the_corpus_is_redacted(string command, string[] secrets)
    {
        var redacted = Redactor.Redact(command);
        Assert.Contains("[REDACTED:", redacted);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, redacted);
        }

        // The same inside JSON, as a tool input: still valid JSON, the rest of the command intact.
        var json = JsonSerializer.SerializeToUtf8Bytes(new { command, description = "run it" });
        var decoded = JsonDocument.Parse(Redactor.RedactJson(json)).RootElement;
        Assert.Equal(redacted, decoded.GetProperty("command").GetString());
        Assert.Equal("run it", decoded.GetProperty("description").GetString());
    }

    [Theory]
    [MemberData(nameof(Ordinary))]
    public void Ordinary_commands_are_unchanged(string command)
    {
        Assert.Same(command, Redactor.Redact(command));
        var json = JsonSerializer.SerializeToUtf8Bytes(new { command });
        Assert.Equal(json, Redactor.RedactJson(json));
    }

    [Theory]
    [InlineData("token ghp_1234567890abcdefghijABCDEFGHIJ123456 end", "github-token")]
    [InlineData("id AKIAIOSFODNN7EXAMPLE end", "aws-access-key")]
    [InlineData("key sk-ant-api03-abcdefghijklmnopqrstuvwxyz end", "anthropic-key")]
    [InlineData("key sk-abcdefghijklmnopqrstuvwxyz0123 end", "openai-key")]
    [InlineData("slack xoxp-1234567890-abcdefghij end", "slack-token")]
    [InlineData("npm npm_abcdefghijklmnopqrstuvwxyz0123456789 end", "npm-token")]
    [InlineData("gcp AIzaSyA1234567890abcdefghijklmnopqrstuv end", "gcp-api-key")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcDEF123 end", "jwt")]
    [InlineData("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBexample\n-----END EC PRIVATE KEY----- end", "private-key")]
    [InlineData("git clone https://bob:pa55w0rd@example.com/r.git end", "url-password")]
    [InlineData("curl -H 'Authorization: Bearer abc.def.ghi' end", "authorization")]
    [InlineData("tool --client-secret 'a b c' end", "flag")]
    [InlineData("curl --user bob:pa55w0rd end", "password")]
    [InlineData("mysqldump -h db -pPa55w0rd end", "password")]
    [InlineData("export DB_PASSWORD=pa55w0rd end", "secret")]
    [InlineData("password: pa55w0rd end", "secret")]
    [InlineData("X-Api-Key: abc123 end", "secret")]
    [InlineData("sshpass -p pa55w0rd ssh h end", "password")]
    [InlineData("docker login -p pa55w0rd r.example.com end", "password")]
    [InlineData("openssl rsa -passin pass:pa55w0rd end", "password")]
    [InlineData("aws configure set aws_secret_access_key pa55w0rd end", "secret")]
    [InlineData("key sk_live_abcdefghij0123456789 end", "stripe-key")]
    [InlineData("key hf_abcdefghijklmnopqrstuvwxyz01234567 end", "huggingface-token")]
    [InlineData("key glpat-abcdefghij0123456789 end", "gitlab-token")]
    public void Each_family_gets_its_marker(string text, string kind)
    {
        var redacted = Redactor.Redact(text);
        Assert.Contains(Redactor.Marker(kind), redacted);
        Assert.EndsWith(" end", redacted);
    }

    [Fact]
    public void A_pem_block_cut_short_is_redacted_to_the_end()
    {
        Assert.Equal("x " + Redactor.Marker("private-key"), Redactor.Redact("x -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq"));
    }

    [Fact]
    public void Json_fields_named_like_secrets_lose_their_value_and_stay_valid()
    {
        var json = """{"user":"bob","password":"correct horse","nested":{"api_key":12345,"list":["ok",{"client_secret":"x"}]},"count":3,"flag":true,"none":null}"""u8;
        var root = JsonDocument.Parse(Redactor.RedactJson(json)).RootElement;
        Assert.Equal("bob", root.GetProperty("user").GetString());
        Assert.Equal(Redactor.Marker("secret-field"), root.GetProperty("password").GetString());
        Assert.Equal(Redactor.Marker("secret-field"), root.GetProperty("nested").GetProperty("api_key").GetString());
        Assert.Equal(Redactor.Marker("secret-field"), root.GetProperty("nested").GetProperty("list")[1].GetProperty("client_secret").GetString());
        Assert.Equal(3, root.GetProperty("count").GetInt32());
        Assert.True(root.GetProperty("flag").GetBoolean());
    }

    [Fact]
    public void Secrets_behind_json_escapes_and_in_invalid_json_are_redacted()
    {
        var escaped = Encoding.UTF8.GetBytes("""{"command":"echo \u0067hp_1234567890abcdefghijABCDEFGHIJ123456"}""");
        Assert.DoesNotContain("1234567890abcdefghijABCDEFGHIJ", Encoding.UTF8.GetString(Redactor.RedactJson(escaped)));

        var broken = Encoding.UTF8.GetBytes("""{"command":"export GITHUB_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456""");
        Assert.DoesNotContain("1234567890abcdefghijABCDEFGHIJ", Encoding.UTF8.GetString(Redactor.RedactJson(broken)));
    }

    [Fact]
    public async Task Redaction_of_a_large_adversarial_input_finishes()
    {
        // Patterns are bounded: long runs of near-matches stay linear.
        var text = string.Concat(Enumerable.Repeat("--password= password=password=-u a:b:c https://a:b:c:d@", 20_000));
        var redacted = await Task.Run(() => Redactor.Redact(text)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("[REDACTED:", redacted);
    }

    [Fact]
    public void Capture_modes_prepare_copies_for_storage_and_leave_the_event_alone()
    {
        var command = SecretCorpus.Commands[0].Command;
        var original = new HookEvent
        {
            EventId = "e1",
            ToolInput = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(new { command })),
            ToolResponse = ByteString.CopyFromUtf8("""{"stdout":"JWT_SECRET=jwtS3cretValue123"}"""),
            Prompt = SecretCorpus.Prompt,
            Applied = new AppliedDecision { Reason = "the command name is only known at run time: $X --token abc123456" },
        };
        var before = original.Clone();

        var redacted = EventCapture.Default.Prepare(original);
        Assert.DoesNotContain("abcDEF123tokenXYZ987", redacted.ToolInput.ToStringUtf8());
        Assert.DoesNotContain("jwtS3cretValue123", redacted.ToolResponse.ToStringUtf8());
        Assert.DoesNotContain(SecretCorpus.PromptSecret, redacted.Prompt);
        Assert.DoesNotContain("abc123456", redacted.Applied.Reason);
        Assert.Equal(before, original);

        var none = new EventCapture(CaptureMode.None).Prepare(original);
        Assert.True(none.ToolInput.IsEmpty && none.ToolResponse.IsEmpty && none.Prompt.Length == 0);
        Assert.Equal("e1", none.EventId);

        var full = new EventCapture(CaptureMode.Full, MaxBytes: 1024).Prepare(original);
        Assert.Equal(original.ToolInput, full.ToolInput);
        var capped = new EventCapture(CaptureMode.Full, MaxBytes: 10).Prepare(original);
        Assert.True(capped.ToolInput.IsEmpty && capped.PayloadTruncated); // no room for anything but the marker
    }

    [Fact]
    public void Decisions_are_stored_without_the_secrets_they_quote()
    {
        var decision = new Decision { Matched = "curl -H Authorization: Bearer abcDEF123tokenXYZ987 x", Reason = "matched rule no-curl" };
        var stored = EventCapture.Default.Prepare(decision)!;
        Assert.DoesNotContain("abcDEF123tokenXYZ987", stored.Matched);
        Assert.Equal("matched rule no-curl", stored.Reason);
        Assert.Contains("abcDEF123tokenXYZ987", decision.Matched);
        Assert.Equal("", new EventCapture(CaptureMode.None).Prepare(decision)!.Matched);
    }
}
