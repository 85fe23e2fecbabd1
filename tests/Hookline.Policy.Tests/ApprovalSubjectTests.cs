using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>
/// What a person approves and what <c>remember: session</c> remembers: the same normalised command, path or URL, never
/// everything a pattern matches nor the one sub-command a rule matched.
/// </summary>
public sealed class ApprovalSubjectTests
{
    private static ApprovalSubject Of(string command, string cwd = Cwd) => ApprovalSubject.Of(Bash(command, cwd));

    [Theory]
    [InlineData("kubectl apply  -f x.yaml   --context prod", "kubectl apply -f x.yaml --context prod")]
    [InlineData("  kubectl\tapply -f x.yaml --context prod  ", "kubectl apply -f x.yaml --context prod")]
    [InlineData("git  push &&  make   test", "git push && make test")]
    [InlineData("echo a  \n   echo b", "echo a\necho b")]
    public void Blanks_between_words_do_not_make_another_subject(string spaced, string plain)
    {
        Assert.Equal(plain, Of(spaced).Subject);
        Assert.Equal(Of(plain), Of(spaced));
    }

    [Theory]
    [InlineData("echo 'a  b'", "echo 'a b'")]
    [InlineData("echo \"a  b\"", "echo \"a b\"")]
    [InlineData("echo a\\  b", "echo a\\ b")]
    [InlineData("echo $'a\\'  b'", "echo $'a\\' b'")]
    [InlineData("echo \"$(echo \"a  b\")\"", "echo \"$(echo \"a b\")\"")]
    [InlineData("echo ${X:-\"a  b\"}", "echo ${X:-\"a b\"}")]
    [InlineData("cat <<EOF\na  b\nEOF", "cat <<EOF\na b\nEOF")]
    [InlineData("echo `echo \"a  b\"`", "echo `echo \"a b\"`")]
    [InlineData("ls # it's\necho 'x  y'", "ls # it's\necho 'x y'")]
    [InlineData("kubectl apply --context prod", "kubectl apply --context prod && rm -rf ~")]
    [InlineData("rm -rf build", "rm -rf build/")]
    [InlineData("a && b", "a || b")]
    public void Blanks_that_are_part_of_a_word_and_different_commands_make_different_subjects(string one, string other)
    {
        Assert.NotEqual(Of(one).Key, Of(other).Key);
    }

    [Fact]
    public void Quoted_blanks_and_here_documents_are_kept_as_written()
    {
        Assert.Equal("echo 'a  b' \"c  d\"", Of("echo   'a  b'   \"c  d\"").Subject);
        Assert.Equal("cat <<EOF\na  b\nEOF", Of("cat   <<EOF\na  b\nEOF").Subject);
    }

    [Fact]
    public void The_whole_command_is_the_subject_not_the_sub_command_a_rule_matched()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - id: prod
                effect: ask
                match: "Bash(kubectl * --context prod*)"
                approval: {remember: session}
            """);
        var compound = Bash("kubectl apply --context prod && rm -rf ~");

        Assert.Equal("kubectl apply --context prod", policy.Evaluate(compound).Matched);
        Assert.Equal("kubectl apply --context prod && rm -rf ~", ApprovalSubject.Of(compound).Subject);
        Assert.NotEqual(Of("kubectl apply --context prod").Key, ApprovalSubject.Of(compound).Key);
    }

    [Fact]
    public void The_same_command_in_another_directory_is_another_subject()
    {
        Assert.Equal(Of("rm -rf build", "/home/dev/proj").Subject, Of("rm -rf build", "/home/dev").Subject);
        Assert.NotEqual(Of("rm -rf build", "/home/dev/proj").Key, Of("rm -rf build", "/home/dev").Key);
        Assert.Equal(Of("rm -rf build", "/home/dev/proj").Key, Of("rm -rf build", "/home/dev/proj/").Key);
    }

    [Fact]
    public void A_command_the_parser_cannot_read_is_its_subject_as_written()
    {
        Assert.Equal("echo 'unterminated  x", Of("echo 'unterminated  x").Subject);
        Assert.NotEqual(Of("echo  (").Key, Of("echo (").Key);
    }

    [Fact]
    public void File_tools_approve_the_normalised_path()
    {
        var relative = ApprovalSubject.Of(Tool("Edit", new { file_path = "src/../deploy/prod.yaml", old_string = "a", new_string = "b" }));
        var absolute = ApprovalSubject.Of(Tool("Edit", new { file_path = "/home/dev/proj/deploy/prod.yaml", old_string = "c", new_string = "d" }, cwd: "/tmp"));
        var home = ApprovalSubject.Of(Tool("Edit", new { file_path = "~/proj/deploy/./prod.yaml", old_string = "c", new_string = "d" }));

        Assert.Equal("/home/dev/proj/deploy/prod.yaml", relative.Subject);
        Assert.Equal(relative, absolute);
        Assert.Equal(relative, home);
        Assert.NotEqual(relative.Key, ApprovalSubject.Of(Tool("Write", new { file_path = "/home/dev/proj/deploy/prod.yaml", content = "x" })).Key);
    }

    [Fact]
    public void Several_files_are_all_in_the_subject()
    {
        var subject = ApprovalSubject.Of(Tool("Read", new { file_path = "a.txt", absolute_path = "/etc/passwd" }));

        Assert.Contains("/home/dev/proj/a.txt", subject.Subject);
        Assert.Contains("/etc/passwd", subject.Subject);
    }

    [Fact]
    public void WebFetch_approves_the_url()
    {
        var subject = ApprovalSubject.Of(Fetch("https://example.com/a?b=1"));

        Assert.Equal("https://example.com/a?b=1", subject.Subject);
        Assert.Equal(subject, ApprovalSubject.Of(Tool("WebFetch", new { url = "https://example.com/a?b=1", prompt = "other words" })));
        Assert.NotEqual(subject.Key, ApprovalSubject.Of(Fetch("https://example.com/a?b=2")).Key);
    }

    [Fact]
    public void Other_tools_approve_their_input_as_canonical_json()
    {
        var one = ApprovalSubject.Of(Tool("mcp__db__query", new { sql = "DROP TABLE t", db = "prod" }));
        var reordered = ApprovalSubject.Of(Tool("mcp__db__query", new { db = "prod", sql = "DROP TABLE t" }));

        Assert.Equal("""{"db":"prod","sql":"DROP TABLE t"}""", one.Subject);
        Assert.Equal(one, reordered);
        Assert.NotEqual(one.Key, ApprovalSubject.Of(Tool("mcp__db__other", new { db = "prod", sql = "DROP TABLE t" })).Key);
    }

    [Fact]
    public void The_key_is_sha256_hex_of_the_tool_the_subject_and_for_a_path_nothing_else()
    {
        var subject = ApprovalSubject.Of(Read("/etc/hosts"));
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("Read\0/etc/hosts"u8.ToArray()));

        Assert.Equal(expected, subject.Key);
    }
}
