using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Bash patterns line up with whole arguments; deny/ask inner " * " may be empty; unless excuses per argument.</summary>
public class WordAwareMatchingTests
{
    [Theory]
    [InlineData("find . -name \"x -delete\"", Effect.Allow)] // one argument: the pattern's gap cannot fall inside it
    [InlineData("find . -delete", Effect.Deny)]
    [InlineData("find -delete", Effect.Deny)] // the inner * matches no word in a deny rule
    [InlineData("find -name x -delete -print", Effect.Deny)]
    [InlineData("git push origin main -o \"note -f\"", Effect.Ask)]
    [InlineData("git push origin main -f", Effect.Deny)]
    [InlineData("git commit -m \"fix; rm -rf /\"", Effect.Allow)]
    [InlineData("echo \"rm -rf /\"", Effect.Allow)]
    public void Pattern_words_align_with_arguments(string command, Effect expected)
    {
        var policy = PolicyOf("ask",
            ("deny", "Bash(find * -delete*)"),
            ("deny", "Bash(git push * -f*)"),
            ("deny", "Bash(rm -rf *)"),
            ("allow", "Bash(find *)"),
            ("allow", "Bash(git commit *)"),
            ("allow", "Bash(echo *)"));
        Assert.Equal(expected, policy.Decide(Bash(command)));
    }

    [Fact]
    public void In_allow_rules_an_inner_star_still_needs_a_word()
    {
        var policy = PolicyOf("ask", ("allow", "Bash(git * main)"));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("git push origin main")));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("git main")));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("git commit -m \"merge main\"")));
    }

    [Fact]
    public void A_quoted_space_in_a_pattern_is_part_of_one_argument()
    {
        var policy = PolicyOf("ask", ("allow", "Bash(git commit -m \"wip now\")"));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("git commit -m 'wip now'")));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("git commit -m wip now")));
    }

    [Fact]
    public void A_separator_character_inside_an_argument_does_not_split_it()
    {
        var policy = PolicyOf("ask", ("allow", "Bash(ls -la)"));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("$'ls\\x1f-la'")));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("ls -la")));
    }

    private static readonly CompiledPolicy Secrets = CompiledPolicy.Load("""
        version: 1
        default: ask
        rules:
          - id: secrets
            effect: deny
            match: ["Bash(cat *.env*)"]
            unless: ["Bash(cat *.env.example)"]
          - id: push
            effect: ask
            match: "Bash(git push *)"
            unless: "Bash(git push origin feature/*)"
          - id: cat
            effect: allow
            match: ["Bash(cat *)", "Bash(git *)"]
        """);

    [Theory]
    [InlineData("cat .env .env.example", Effect.Deny)]
    [InlineData("cat .env.local .env.example", Effect.Deny)]
    [InlineData("cat -n README.md .env .env.example", Effect.Deny)]
    [InlineData("cat .env.example", Effect.Allow)]
    [InlineData("cat -n .env.example", Effect.Allow)]
    [InlineData("cat .env.example web/.env.example", Effect.Allow)]
    [InlineData("git push origin feature/x", Effect.Allow)]
    [InlineData("git push origin main", Effect.Ask)]
    [InlineData("git push origin feature/x main", Effect.Ask)]
    public void Unless_excuses_only_the_arguments_it_matched(string command, Effect expected)
    {
        Assert.Equal(expected, Secrets.Decide(Bash(command)));
    }

    [Fact]
    public void The_joined_text_entry_point_matches_like_the_word_form()
    {
        var pattern = BashPattern.Create("git push * --force*");
        Assert.True(pattern.IsMatch("git push origin --force"));
        Assert.False(pattern.IsMatch("git push --force"));
        Assert.True(pattern.MatchesWords("git\u001Fpush\u001F--force", denyOrAsk: true));
        Assert.False(pattern.MatchesWords("git\u001Fpush\u001Forigin\u001Fx --force", denyOrAsk: true));
    }

    [Fact]
    public void Policy_notes_name_zero_word_stars_and_unless_wildcards_that_span_words()
    {
        var document = PolicyDocument.Parse("""
            version: 1
            rules:
              - {id: find-delete, effect: deny, match: "Bash(find * -delete*)"}
              - {id: find-allow, effect: allow, match: "Bash(find * -print)"}
              - {id: plain, effect: deny, match: "Bash(rm -rf *)", unless: "Bash(rm -rf ./build)"}
            """, "p.yaml");
        var notes = PolicyNotes.Of(document, "p.yaml").Select(n => n.ToString()).ToList();
        Assert.Equal(2, notes.Count);
        Assert.Contains(notes, n => n.StartsWith("p.yaml:3:", StringComparison.Ordinal) && n.Contains("also matches no word", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("p.yaml:4:", StringComparison.Ordinal) && n.Contains("needs at least one word", StringComparison.Ordinal));

        var secrets = PolicyNotes.Of(PolicyDocument.Parse("""
            version: 1
            rules:
              - {id: s, effect: deny, match: "Bash(cat *.env*)", unless: "Bash(cat *.env.example)"}
            """));
        Assert.Contains("'cat ARG' for each ARG", Assert.Single(secrets).Message, StringComparison.Ordinal);
    }
}
