using System.Text;
using System.Text.Json;

namespace Hookline.Policy.Tests;

/// <summary>JSON that System.Text.Json parses but cannot decode: found up front, reported as malformed, never a crash.</summary>
public sealed class UnreadableTextTests
{
    [Theory]
    [InlineData("""{"command":"rm -rf / # \ud800"}""", "lone UTF-16 surrogate")]
    [InlineData("""{"command":"\udfff"}""", "lone UTF-16 surrogate")]
    [InlineData("""{"command":"\udc00\ud800"}""", "lone UTF-16 surrogate")]
    [InlineData("""{"command":"\ud800A"}""", "lone UTF-16 surrogate")]
    [InlineData("""{"\udfff":1}""", "a member name")]
    [InlineData("""{"a":[{"b":"\ud83d"}]}""", "lone UTF-16 surrogate")]
    public void A_lone_surrogate_escape_is_found(string json, string expected)
    {
        Assert.Contains(expected, JsonValidity.Problem(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("""{"command":"caf\u00e9 \ud83d\ude00 \n \u0041"}""")]
    [InlineData("""{"n":1e999999,"t":true,"a":[null]}""")]
    [InlineData("""not json at all""")]
    public void Readable_text_and_non_json_are_not_reported(string json)
    {
        Assert.Null(JsonValidity.Problem(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Invalid_utf8_is_found_and_an_opaque_member_is_skipped()
    {
        byte[] json = [.. """{"tool_response":{"stdout":"""u8, (byte)'"', 0xFF, (byte)'"', .. """},"command":"x"}"""u8];
        byte[] inCommand = [.. """{"command":"""u8, (byte)'"', 0xC0, 0xAF, (byte)'"', (byte)'}'];

        Assert.Contains("not valid UTF-8", JsonValidity.Problem(json));
        Assert.Null(JsonValidity.Problem(json, opaqueMembers: ["tool_response"]));
        Assert.Contains("not valid UTF-8", JsonValidity.Problem(inCommand, opaqueMembers: ["tool_response"]));
    }

    [Fact]
    public void The_hook_event_reader_refuses_unreadable_text_with_a_clear_error()
    {
        using var document = JsonDocument.Parse("""{"tool_name":"Bash","tool_input":{"command":"rm -rf / # \ud800"}}""");

        var ex = Assert.Throws<ArgumentException>(() => HookEventReader.FromJson(document.RootElement, "claude"));

        Assert.Contains("has a lone UTF-16 surrogate escape", ex.Message);
    }

    [Fact]
    public void A_json_policy_with_a_lone_surrogate_is_refused_with_a_position_not_a_crash()
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyDocument.Parse("""{"version": 1, "default": "allow", "rules": [{"id": "\ud800"}]}""", "p.json"));

        Assert.Contains("unreadable string", ex.Message);
    }
}
