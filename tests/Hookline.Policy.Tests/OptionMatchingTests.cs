using Hookline.Policy.Internal.Options;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Deny and ask patterns for commands with a known option grammar match every spelling of their options.</summary>
public class OptionMatchingTests
{
    [Theory]
    // rm: bundles, order, long names, abbreviations, options after operands, implied force.
    [InlineData("Bash(rm -rf *)", "rm -rfv /", true)]
    [InlineData("Bash(rm -rf *)", "rm -vrf /", true)]
    [InlineData("Bash(rm -rf *)", "rm -r -v -f /", true)]
    [InlineData("Bash(rm -rf *)", "rm --recursive --force /", true)]
    [InlineData("Bash(rm -rf *)", "rm --recur --forc /", true)]
    [InlineData("Bash(rm -rf *)", "rm ./build -rf", true)]
    [InlineData("Bash(rm -rf *)", "rm -r --interactive=never /", true)]
    [InlineData("Bash(rm -rf *)", "rm -r --interactive=non /", true)]
    [InlineData("Bash(rm -rf *)", "rm -d -r -f /", true)]
    [InlineData("Bash(rm -rf *)", "rm -R -f /", true)]
    [InlineData("Bash(rm -rf *)", "rm -r -f", true)]
    [InlineData("Bash(rm --recursive --force *)", "rm -fR x", true)]
    [InlineData("Bash(rm -rf *)", "rm -r build", false)]
    [InlineData("Bash(rm -rf *)", "rm -f build", false)]
    [InlineData("Bash(rm -rf *)", "rm -- -rf", false)]
    [InlineData("Bash(rm -rf *)", "rm -r -- -f", false)]
    [InlineData("Bash(rm -rf *)", "rm -r --interactive=always x", false)]
    [InlineData("Bash(rm -rf *)", "echo rm -rf /", false)]
    [InlineData("Bash(rm -rf *)", "rmdir -rf x", false)]
    // Operands still have to match what the pattern wrote.
    [InlineData("Bash(rm -rf /)", "rm -fv /", false)]
    [InlineData("Bash(rm -rf /)", "rm -fvr /", true)]
    [InlineData("Bash(rm -rf /)", "rm -fvr / /tmp", false)]
    [InlineData("Bash(rm -rf /home/*)", "rm /home/dev -fr", true)]
    [InlineData("Bash(rm -rf /home/*)", "rm /srv -fr", false)]
    // git push.
    [InlineData("Bash(git push --force*)", "git push -uf origin main", true)]
    [InlineData("Bash(git push --force*)", "git push origin main --forc", true)] // ambiguous: counts as all candidates
    [InlineData("Bash(git push --force*)", "git push --force-with-lease origin main", true)]
    [InlineData("Bash(git push --force*)", "git push --mirr backup", true)]
    [InlineData("Bash(git push --force*)", "git push origin +main", true)]
    [InlineData("Bash(git push -f*)", "git -C repo -c a=b --no-pager push origin main -vf", true)]
    [InlineData("Bash(git push --force*)", "git push origin main", false)]
    [InlineData("Bash(git push --force*)", "git push --follow-tags origin main", false)]
    [InlineData("Bash(git push --force*)", "git push -o force origin main", false)] // -o takes an argument
    [InlineData("Bash(git push --force*)", "git pull --force", false)]
    [InlineData("Bash(git push --force-with-lease*)", "git push -f", false)]
    [InlineData("Bash(git push --delete*)", "git push origin :old", true)]
    [InlineData("Bash(git push --delete*)", "git push --mirror backup", true)]
    [InlineData("Bash(git push --mirror*)", "git push --force", false)]
    [InlineData("Bash(git push --force-with-lease=*)", "git push origin -f --force-with-lease=main:abc", true)]
    [InlineData("Bash(git push --force-with-lease=main*)", "git push --force-with-lease=dev origin main", false)]
    [InlineData("Bash(git push --repo=backup *)", "git push -f --repo backup", true)]
    // git clean, git reset.
    [InlineData("Bash(git clean -fd*)", "git clean -d --force", true)]
    [InlineData("Bash(git clean -fd*)", "git clean -xdf", true)]
    [InlineData("Bash(git clean -fd*)", "git clean -e -f -d", false)] // -e takes "-f" as its pattern: no force
    [InlineData("Bash(git clean -fd*)", "git clean -nd", false)]
    [InlineData("Bash(git reset --hard*)", "git reset HEAD~2 --har", true)]
    [InlineData("Bash(git reset --hard*)", "git reset --soft HEAD~1", false)]
    // dd, find, chmod, chown, chgrp.
    [InlineData("Bash(dd *of=/dev/*)", "dd bs=1M of=/dev/sda if=/dev/zero", true)]
    [InlineData("Bash(dd if=/dev/zero of=/dev/sda*)", "dd of=/dev/sda bs=1M if=/dev/zero", true)]
    [InlineData("Bash(dd if=/dev/zero of=/dev/sda*)", "dd of=/dev/sdb if=/dev/zero", false)]
    [InlineData("Bash(dd *of=/dev/*)", "dd if=/dev/zero of=//dev//sda", true)]
    [InlineData("Bash(dd *of=/dev/*)", "dd if=x of=/tmp/../dev/./sda", true)]
    [InlineData("Bash(dd *of=/dev/*)", "dd if=/dev/sda of=/tmp/disk.img", false)]
    [InlineData("Bash(find * -delete*)", "find -delete", true)]
    [InlineData("Bash(find * -delete*)", "find -L . ( -name a -o -name b ) -delete", true)]
    [InlineData("Bash(find -delete*)", "find . -name -delete", false)] // -delete is -name's argument
    [InlineData("Bash(find -delete*)", "find . -exec echo -delete ;", false)] // an -exec body
    [InlineData("Bash(find -delete*)", "find . -name x -delete", true)]
    [InlineData("Bash(find * -exec *)", "find . -type f -execdir x {} +", false)]
    [InlineData("Bash(find * -exec *)", "find -L . -exec x {} +", true)]
    [InlineData("Bash(find . -exec rm *)", "find . -name x -exec rm -v {} ;", true)]
    [InlineData("Bash(chmod -R 777 *)", "chmod 777 -vR /", true)]
    [InlineData("Bash(chmod -R 777 *)", "chmod --recursive 755 /", false)]
    [InlineData("Bash(chmod -R 777 *)", "chmod -R 0777 /", true)]
    [InlineData("Bash(chmod -R 777 *)", "chmod -R a=rwx /", true)]
    [InlineData("Bash(chmod -R 777 *)", "chmod -R ugo+rwx /", true)]
    [InlineData("Bash(chmod -R 777 *)", "chmod -R 1777 /tmp", true)] // 777 plus the sticky bit: still rwx for everyone
    [InlineData("Bash(chmod -R 777 *)", "chmod -R go+rwx /", false)]
    [InlineData("Bash(chmod -R 0777 *)", "chmod 777 -R /", true)]
    [InlineData("Bash(chown -R *)", "chown --recur root /", true)]
    [InlineData("Bash(chgrp -R *)", "chgrp -hR staff /", true)]
    [InlineData("Bash(chown -R *)", "chown root /etc/x", false)]
    public void Deny_patterns_match_every_spelling_of_their_options(string pattern, string command, bool denied)
    {
        var policy = PolicyOf("allow", ("deny", pattern));
        Assert.Equal(denied ? Effect.Deny : Effect.Allow, policy.Decide(Bash(command)));
    }

    [Fact]
    public void Ask_rules_read_options_too()
    {
        var policy = PolicyOf("allow", ("ask", "Bash(git reset --hard*)"));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("cd app && git reset -q HEAD --hard")));
    }

    [Theory]
    [InlineData("Bash(rm -f tmp.txt)", "rm -f -r tmp.txt")]
    [InlineData("Bash(rm -rf build)", "rm -rf build /")]
    [InlineData("Bash(git push -f origin feature)", "git push origin feature -f --mirror")]
    public void Allow_rules_keep_their_textual_meaning_and_do_not_widen(string pattern, string command)
    {
        var policy = PolicyOf("ask", ("allow", pattern));
        Assert.Equal(Effect.Ask, policy.Decide(Bash(command)));
    }

    [Fact]
    public void Allow_rules_do_not_gain_spellings_either()
    {
        // "rm -fr build" is what the allow rule means, but allow rules are compared as written: no new allows.
        // (An allow also needs the files it writes allowed: Edit(./build) covers what rm deletes.)
        var policy = PolicyOf("ask", ("allow", "Bash(rm -rf build)"), ("allow", "Edit(./build)"));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("rm -rf build")));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("rm -fr build")));
    }

    [Fact]
    public void Unless_excuses_only_what_it_wrote()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: d, effect: deny, match: "Bash(rm -rf *)", unless: "Bash(rm -rf ./build)"}
            """);
        Assert.Equal(Effect.Allow, policy.Decide(Bash("rm -rf ./build")));
        Assert.Equal(Effect.Deny, policy.Decide(Bash("rm -fr ./build")));
        Assert.Equal(Effect.Deny, policy.Decide(Bash("rm -rf ./build -v /")));
    }

    [Theory]
    [InlineData("git push --force-with-lease origin main", Effect.Allow)]
    [InlineData("git push origin main --force-with-lease=main:abc", Effect.Deny)] // unless is matched as written first
    [InlineData("git push --force-with-lease -f origin main", Effect.Deny)]
    [InlineData("git push --force-with-lease origin main --mirror", Effect.Deny)]
    [InlineData("git push --force-with-lease origin +main", Effect.Deny)]
    [InlineData("git push --force-with-lease --forc origin main", Effect.Deny)]
    [InlineData("git push -f origin main", Effect.Deny)]
    public void An_unless_that_reads_as_options_excuses_only_the_options_it_names(string command, Effect expected)
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: d, effect: deny, match: "Bash(git push --force*)", unless: "Bash(git push --force-with-lease*)"}
            """);
        Assert.Equal(expected, policy.Decide(Bash(command)));
    }

    [Fact]
    public void An_unless_excuse_for_one_pattern_does_not_excuse_another()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: d, effect: deny, match: ["Bash(git push --force*)", "Bash(git push --delete*)"], unless: "Bash(git push --force-with-lease*)"}
            """);
        Assert.Equal(Effect.Allow, policy.Decide(Bash("git push --force-with-lease origin main")));
        Assert.Equal(Effect.Deny, policy.Decide(Bash("git push --force-with-lease --delete origin main")));
    }

    [Theory]
    [InlineData("git clean -e .env -fd*", "Bash(x) (read as options: git clean with --exclude=.env -d --force, in any spelling and order)")]
    [InlineData("dd bs=1M *of=/dev/*", "Bash(x) (read as options: dd with bs=1M of=/dev/*, in any spelling and order)")]
    [InlineData("dd of=/dev/sda", "Bash(x) (read as options: dd with of=/dev/sda, in any spelling and order, no operands)")]
    [InlineData("find . -name *.log -delete", "Bash(x) (read as options: find with -name *.log -delete, in any spelling and order, operands '.')")]
    [InlineData("rm -rf -- -x*", "Bash(x) (read as options: rm with --force --recursive, in any spelling and order, operands '-x*')")]
    [InlineData("git push --force-with-lease=*", "Bash(x) (read as options: git push with --force-with-lease, in any spelling and order)")]
    public void Explanations_say_how_a_pattern_was_read(string specifier, string described)
    {
        Assert.Equal(described, OptionPattern.TryCreate("Bash(x)", specifier)!.Described);
    }

    [Fact]
    public void Explain_names_the_option_aware_match()
    {
        var policy = PolicyOf("allow", ("deny", "Bash(rm -rf *)"));
        var explanation = policy.Explain(Bash("rm ./build -r --forc"));
        Assert.Equal(Effect.Deny, explanation.Decision.Effect);
        var match = Assert.Single(explanation.Matches);
        Assert.Equal("Bash(rm -rf *) (read as options: rm with --force --recursive, in any spelling and order)", match.Pattern);
        Assert.Equal("rm ./build -r --forc", match.Subject);
        Assert.Equal("rm ./build -r --forc", explanation.Decision.Matched);
    }

    [Theory]
    [InlineData("rm -rf *", true)]
    [InlineData("git push --force*", true)]
    [InlineData("git push * -f*", true)]
    [InlineData("rm *", false)] // no option: nothing to read
    [InlineData("rm -z *", false)] // an option rm does not have stays textual
    [InlineData("rm -*f *", false)] // a wildcard inside an option
    [InlineData("git status --short", false)] // no grammar for this subcommand
    [InlineData("* -rf *", false)]
    [InlineData("git push --f*", false)] // ambiguous in the pattern itself
    public void Only_patterns_with_known_options_are_read_as_options(string specifier, bool optionAware)
    {
        Assert.Equal(optionAware, OptionPattern.TryCreate($"Bash({specifier})", specifier) is not null);
    }

    [Fact]
    public void Reading_options_on_the_allow_path_allocates_nothing()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: d, effect: deny, match: ["Bash(find * -delete*)", "Bash(rm -rf /*)", "Bash(git push --force*)", "Bash(dd *of=/dev/*)"]}
              - {id: a, effect: allow, match: ["Bash(find *)", "Bash(rm *)", "Bash(git push *)", "Bash(dd *)"]}
            """);
        var input = Bash("find . -name '*.cs' -exec grep -l x {} + && rm -r /tmp/x -f && git push -u origin main && dd if=a of=b");
        Assert.Equal(Effect.Allow, policy.Decide(Bash("find . -name '*.cs' -print")));
        Assert.Equal(Effect.Deny, policy.Decide(Bash("rm -r /tmp/x -f /")));
        Assert.Equal(Effect.Deny, policy.Decide(input)); // rm -r /tmp/x -f: operands "/tmp/x" match "/*"
        var allowed = Bash("find . -name '*.cs' -exec grep -l x {} + && rm -r tmp/x -f && git push -u origin main && dd if=a of=b");
        Assert.Equal(Effect.Allow, policy.Decide(allowed));
        for (var i = 0; i < 50; i++)
        {
            policy.Evaluate(allowed);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            policy.Evaluate(allowed);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Check_notes_where_a_rule_keeps_its_textual_meaning()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: tmp, effect: allow, match: ["Bash(rm -f tmp.txt)", "Bash(ls *)"]}
              - {id: d, effect: deny, match: "Bash(rm -rf *)", unless: "Bash(rm -rf ./build)"}
            """);
        Assert.Equal(
        [
            "note: rule 'tmp' (allow): Bash(rm -f tmp.txt) is compared as written; allow rules do not read options, so it allows no other spelling",
            "note: rule 'd' (deny): unless Bash(rm -rf ./build) excuses only that spelling; other spellings of its options still match the rule",
        ], PolicyNotes.Of(policy).Select(n => n.Message).Where(m => m.Contains("spelling", StringComparison.Ordinal)));
    }
}
