using Hookline.Policy.Internal.Shell;
using Hookline.Policy.Internal;

namespace Hookline.Policy.Tests;

public class ShellParserTests
{
    private static string[] Split(string command)
    {
        var parse = ShellParser.Parse(command);
        Assert.Null(parse.Error);
        return parse.Commands.Select(c => c.Text).ToArray();
    }

    [Theory]
    [InlineData("ls -la", new[] { "ls -la" })]
    [InlineData("a && b || c ; d | e |& f & g", new[] { "a", "b", "c", "d", "e", "f", "g" })]
    [InlineData("a\nb\n\nc", new[] { "a", "b", "c" })]
    [InlineData("(cd x && rm -rf y)", new[] { "cd x", "rm -rf y" })]
    [InlineData("{ rm -rf y; }", new[] { "rm -rf y" })]
    [InlineData("echo $(rm -rf /)", new[] { "rm -rf /", "echo $(rm -rf /)" })]
    [InlineData("echo `rm -rf /`", new[] { "rm -rf /", "echo `rm -rf /`" })]
    [InlineData("echo \"$(rm -rf /)\"", new[] { "rm -rf /", "echo $(rm -rf /)" })]
    [InlineData("x=$(rm a) ls", new[] { "rm a", "ls" })]
    [InlineData("diff <(ls a) >(cat b)", new[] { "ls a", "cat b", "diff <(ls a) >(cat b)" })]
    [InlineData("echo $(echo $(echo $(rm -rf /)))", new[] { "rm -rf /", "echo $(rm -rf /)", "echo $(echo $(rm -rf /))", "echo $(echo $(echo $(rm -rf /)))" })]
    [InlineData("echo $((1 + $(rm x)))", new[] { "rm x", "echo $((1 + $(rm x)))" })]
    [InlineData("echo ${X:-$(rm y)}", new[] { "rm y", "echo ${X:-$(rm y)}" })]
    [InlineData("echo $((rm x); ls)", new[] { "rm x", "ls", "echo $((rm x); ls)" })]
    [InlineData("((rm x))", new[] { "rm x" })]
    [InlineData("if true; then rm -rf x; fi", new[] { "true", "rm -rf x" })]
    [InlineData("while read l; do rm \"$l\"; done", new[] { "read l", "rm $l" })]
    [InlineData("for f in *.txt; do rm $f; done", new[] { "rm $f" })]
    [InlineData("! rm x", new[] { "rm x" })]
    [InlineData("ls # rm -rf /", new[] { "ls" })]
    [InlineData("# just a comment", new string[0])]
    [InlineData("echo a#b", new[] { "echo a#b" })]
    public void Splits_compound_commands(string command, string[] expected)
    {
        Assert.Equal(expected, Split(command));
    }

    [Theory]
    [InlineData("r''m -rf /", "rm -rf /")]
    [InlineData("\"rm\" -rf /", "rm -rf /")]
    [InlineData("\\rm -rf /", "rm -rf /")]
    [InlineData("'r'\"m\" -rf /", "rm -rf /")]
    [InlineData("r\\m -rf /", "rm -rf /")]
    [InlineData("$'\\x72\\x6d' -rf /", "rm -rf /")]
    [InlineData("$'\\162\\155' -rf /", "rm -rf /")]
    [InlineData("$'\\u0072m' -rf /", "rm -rf /")]
    [InlineData("rm \\\n -rf /", "rm -rf /")]
    [InlineData("echo \"a \\\"b\\\" c\"", "echo a \"b\" c")]
    [InlineData("echo 'it''s'", "echo its")]
    public void Honours_quoting_and_escapes(string command, string expected)
    {
        Assert.Equal([expected], Split(command));
    }

    [Theory]
    [InlineData("timeout 5 rm -rf /")]
    [InlineData("timeout -s KILL -k 1 5s rm -rf /")]
    [InlineData("timeout --signal=TERM 10 rm -rf /")]
    [InlineData("time rm -rf /")]
    [InlineData("time -p rm -rf /")]
    [InlineData("nice rm -rf /")]
    [InlineData("nice -n 10 rm -rf /")]
    [InlineData("nice -5 rm -rf /")]
    [InlineData("nohup rm -rf /")]
    [InlineData("stdbuf -oL rm -rf /")]
    [InlineData("stdbuf -o L -e 0 rm -rf /")]
    [InlineData("command rm -rf /")]
    [InlineData("builtin rm -rf /")]
    [InlineData("exec rm -rf /")]
    [InlineData("env rm -rf /")]
    [InlineData("env -i FOO=1 BAR=2 rm -rf /")]
    [InlineData("env -u HOME rm -rf /")]
    [InlineData("xargs rm -rf /")]
    [InlineData("xargs -0 -n 1 -P 4 rm -rf /")]
    [InlineData("xargs -I{} rm -rf /")]
    [InlineData("sudo rm -rf /")]
    [InlineData("sudo -u root -E rm -rf /")]
    [InlineData("sudo -- rm -rf /")]
    [InlineData("FOO=1 rm -rf /")]
    [InlineData("FOO=1 BAR='x y' timeout 5 rm -rf /")]
    [InlineData("/usr/bin/timeout 5 /usr/bin/env nice nohup rm -rf /")]
    [InlineData("sudo timeout 5 env A=1 nice -n 2 nohup stdbuf -oL command rm -rf /")]
    public void Strips_wrappers_and_assignments(string command)
    {
        var parse = ShellParser.Parse(command);
        Assert.Null(parse.Error);
        Assert.Equal("rm -rf /", parse.Commands[^1].Text);
    }

    [Theory]
    [InlineData("bash -c 'rm -rf /'")]
    [InlineData("sh -c \"rm -rf /\"")]
    [InlineData("zsh -c 'rm -rf /'")]
    [InlineData("bash -lc 'rm -rf /'")]
    [InlineData("bash -e -o pipefail -c 'rm -rf /'")]
    [InlineData("/bin/bash -c 'rm -rf /'")]
    [InlineData("eval 'rm -rf /'")]
    [InlineData("eval rm -rf /")]
    [InlineData("bash -c \"bash -c 'rm -rf /'\"")]
    [InlineData("sudo sh -c 'cd / && rm -rf /'")]
    [InlineData("env -S 'rm -rf /'")]
    [InlineData("find . -name x -exec rm -rf / \\;")]
    public void Parses_bodies_of_shells_and_eval(string command)
    {
        var parse = ShellParser.Parse(command);
        Assert.Null(parse.Error);
        Assert.Contains(parse.Commands, c => c.Text == "rm -rf /");
    }

    [Theory]
    [InlineData("echo 'unterminated")]
    [InlineData("echo \"unterminated")]
    [InlineData("echo $(ls")]
    [InlineData("echo `ls")]
    [InlineData("(ls")]
    [InlineData("ls )")]
    [InlineData("echo ${X")]
    [InlineData("case $x in a) rm;; esac")]
    [InlineData("ls >")]
    [InlineData("echo $'abc")]
    public void Unbalanced_or_unsupported_syntax_is_an_error(string command)
    {
        Assert.NotNull(ShellParser.Parse(command).Error);
    }

    [Fact]
    public void Commands_over_ten_thousand_characters_are_errors()
    {
        Assert.NotNull(ShellParser.Parse("echo " + new string('a', 10_000)).Error);
        Assert.Null(ShellParser.Parse("echo " + new string('a', 9_990)).Error);
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        var command = string.Concat(Enumerable.Repeat("$(", 500)) + "ls" + new string(')', 500);
        Assert.NotNull(ShellParser.Parse("echo " + command).Error);
    }

    [Fact]
    public void Redirect_targets_are_collected()
    {
        var parse = ShellParser.Parse("echo hi > out.txt 2>>err.log &>all < in.txt; cat <<< word 2>&1 >&2; ls >| f; x <> rw");
        Assert.Null(parse.Error);
        Assert.Equal(["out.txt", "err.log", "all", "f", "rw"], parse.WriteTargets);
        Assert.Equal(["in.txt", "rw"], parse.ReadTargets);
    }

    [Fact]
    public void Heredoc_bodies_are_data_unless_they_expand_commands()
    {
        var quoted = ShellParser.Parse("cat <<'EOF' > f\nrm -rf /\nEOF\nls");
        Assert.Null(quoted.Error);
        Assert.Equal(["cat", "ls"], quoted.Commands.Select(c => c.Text));
        Assert.Equal(["f"], quoted.WriteTargets);

        var unquoted = ShellParser.Parse("cat <<EOF\nhello $(rm -rf /)\nEOF\nls");
        Assert.Null(unquoted.Error);
        Assert.Equal(["cat", "rm -rf /", "ls"], unquoted.Commands.Select(c => c.Text));

        var dash = ShellParser.Parse("cat <<-END\n\tx\n\tEND\nls");
        Assert.Equal(["cat", "ls"], dash.Commands.Select(c => c.Text));
    }

    [Theory]
    [InlineData("$CMD -rf /")]
    [InlineData("\"$X\" a")]
    [InlineData("$(echo rm) -rf /")]
    [InlineData("`echo rm` -rf /")]
    [InlineData("/bin/r? -rf /")]
    [InlineData("{$X,-rf,/}")]
    [InlineData("r[m] -rf /")]
    [InlineData("sudo $X")]
    public void Command_names_known_only_at_run_time_are_dynamic(string command)
    {
        var parse = ShellParser.Parse(command);
        Assert.Null(parse.Error);
        Assert.True(parse.HasDynamicCommand);
    }

    [Theory]
    [InlineData("ls *.txt")]
    [InlineData("echo $HOME")]
    [InlineData("find . -exec echo {} \\;")]
    public void Arguments_may_be_dynamic(string command)
    {
        Assert.False(ShellParser.Parse(command).HasDynamicCommand);
    }

    [Fact]
    public void Sudo_and_dangerous_assignments_require_the_full_form_for_allow()
    {
        var sudo = ShellParser.Parse("sudo -u root ls").Commands.Single();
        Assert.Equal("ls", sudo.Text);
        Assert.Equal("sudo ls", sudo.AllowText);

        var preload = ShellParser.Parse("LD_PRELOAD=/tmp/x.so ls").Commands.Single();
        Assert.Equal("sudo ls", preload.AllowText);

        var harmless = ShellParser.Parse("FOO=1 ls").Commands.Single();
        Assert.Equal("ls", harmless.AllowText);
    }

    [Theory]
    [InlineData("sudo -s", "sudo -s")]
    [InlineData("sudo -i", "sudo -i")]
    [InlineData("env", "env")]
    [InlineData("timeout 5", "timeout 5")]
    public void Bare_wrappers_stay_visible_as_commands(string command, string expected)
    {
        var sub = ShellParser.Parse(command).Commands.Single();
        Assert.Equal(expected, sub.Text);
        Assert.Equal(expected, sub.AllowText);
    }

    [Fact]
    public void Absolute_command_paths_also_match_by_base_name()
    {
        var command = ShellParser.Parse("/bin/rm -rf /").Commands.Single();
        Assert.Equal("/bin/rm -rf /", command.Text);
        Assert.Equal("rm -rf /", command.BaseNameText);
    }

    [Fact]
    public void Command_v_is_not_treated_as_running_its_argument()
    {
        Assert.Equal(["command -v rm"], Split("command -v rm"));
    }

    [Fact]
    public void Each_sub_command_keeps_its_words_so_a_quoted_argument_stays_one_word()
    {
        var parse = ShellParser.Parse("FOO=1 timeout 5 git commit -m \"load .env in dev\" && ls 'a b' c");

        Assert.Equal(["git", "commit", "-m", "load .env in dev"], parse.Commands[0].Words);
        Assert.Equal(["ls", "a b", "c"], parse.Commands[1].Words);
    }

    [Theory]
    [InlineData("for d in a b; do (cd \"$d\" && go test ./...); done", new[] { "cd $d", "go test ./..." })]
    [InlineData("if true; then (rm -rf /); fi", new[] { "true", "rm -rf /" })]
    [InlineData("! (git diff --quiet)", new[] { "git diff --quiet" })]
    public void A_subshell_after_a_reserved_word_is_parsed_as_commands(string command, string[] expected)
    {
        var parse = ShellParser.Parse(command);

        Assert.Null(parse.Error);
        Assert.Equal(expected, parse.Commands.Select(c => c.Text));
    }

    [Fact]
    public void A_parenthesis_after_a_command_word_is_still_refused()
    {
        Assert.NotNull(ShellParser.Parse("echo a (x)").Error);
        Assert.NotNull(ShellParser.Parse("echo (x)").Error);
    }
}
