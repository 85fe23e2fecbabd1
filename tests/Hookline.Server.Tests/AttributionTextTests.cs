using Hookline.Server.Internal.Auth;

namespace Hookline.Server.Tests;

/// <summary>
/// An attribution record is built from text other people chose (a token's name, a JWT's user and org claims): none of
/// it can forge the record's shape, such as a second "claimed:" part or a closing parenthesis.
/// </summary>
public sealed class AttributionTextTests
{
    [Fact]
    public void A_token_name_or_jwt_claims_cannot_forge_the_records_shape()
    {
        var caller = new Caller("jwt:x", "jwt x); claimed: root", TokenScope.Admin, "mallory (user alice", "acme\n; org evil")
        {
            Issuer = "https://idp.example",
        };

        var text = Attribution.Of(caller, claimed: null);

        Assert.Equal("token jwt:x (name jwt x?? claimed: root, user mallory ?user alice, org acme?? org evil)", text);
        Assert.DoesNotContain("; claimed:", text);
    }

    [Fact]
    public void The_authenticated_part_stays_whole_and_a_claim_follows_it()
    {
        var caller = new Caller("tok_1", "ci-admin", TokenScope.Admin, "alice", "acme");

        Assert.Equal("token tok_1 (name ci-admin, user alice, org acme); claimed: bob", Attribution.Of(caller, "bob"));
    }
}
