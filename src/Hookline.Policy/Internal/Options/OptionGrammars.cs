namespace Hookline.Policy.Internal.Options;

/// <summary>
/// The commands whose deny and ask patterns compare option sets instead of text, with their grammars (GNU coreutils,
/// findutils, git's parse-options). Every option a program accepts is listed, so abbreviations resolve as the program
/// resolves them (<c>--recur</c> is <c>--recursive</c>; <c>--forc</c> is ambiguous for git push, and counts as all of
/// its candidates).
/// </summary>
internal static class OptionGrammars
{
    private static readonly OptionGrammar[] All =
    [
        new OptionGrammar("rm", null, GrammarStyle.Getopt,
                "f|force", "i|interactive=?", "I", "rR|recursive", "d|dir", "v|verbose", "|one-file-system", "|preserve-root=?",
                "|no-preserve-root", "|help", "|version")
            .ValueImplies("interactive", ["never", "no", "none"], "force"), // no prompt at all: what -f is for
        new OptionGrammar("git", "push", GrammarStyle.Getopt,
                "v|verbose", "q|quiet", "|repo=", "|all,branches", "|mirror", "d|delete", "|tags", "n|dry-run", "|porcelain",
                "f|force", "|force-with-lease=?", "|no-force-with-lease", "|force-if-includes", "|no-force-if-includes",
                "|recurse-submodules=", "|no-recurse-submodules", "|thin", "|no-thin", "|receive-pack,exec=", "u|set-upstream",
                "|progress", "|no-progress", "|prune", "|no-prune", "|no-verify", "|verify", "|follow-tags", "|no-follow-tags",
                "|signed=?", "|no-signed", "|atomic", "|no-atomic", "o|push-option=", "4|ipv4", "6|ipv6")
            .Implies("force-with-lease", "force")
            .Implies("mirror", "force", "delete") // a mirror push overwrites and deletes whatever the remote has
            .Implies("prune", "delete")
            .OperandPrefix('+', "force") // +main: force this ref
            .OperandPrefix(':', "delete"), // :main: delete it
        new OptionGrammar("git", "clean", GrammarStyle.Getopt,
            "d", "f|force", "i|interactive", "n|dry-run", "q|quiet", "e|exclude=", "x", "X"),
        new OptionGrammar("git", "reset", GrammarStyle.Getopt,
            "q|quiet", "|no-quiet", "|mixed", "|soft", "|hard", "|merge", "|keep", "|recurse-submodules=?", "|no-recurse-submodules",
            "p|patch", "N|intent-to-add", "|pathspec-from-file=", "|pathspec-file-nul", "|refresh", "|no-refresh"),
        new OptionGrammar("chmod", null, GrammarStyle.Getopt,
            "c|changes", "f|silent,quiet", "v|verbose", "R|recursive", "|no-preserve-root", "|preserve-root", "|reference=", "|help", "|version")
            .ModeOperand(),
        Ownership("chown"),
        Ownership("chgrp"),
        new OptionGrammar("dd", null, GrammarStyle.Dd,
            "|if=", "|of=", "|bs=", "|ibs=", "|obs=", "|cbs=", "|count=", "|skip=", "|seek=", "|iseek=", "|oseek=", "|conv=", "|iflag=",
            "|oflag=", "|status="),
        new OptionGrammar("find", null, GrammarStyle.Find,
            "|-delete", "|-exec=;", "|-execdir=;", "|-ok=;", "|-okdir=;", "|-fprint=", "|-fprint0=", "|-fprintf=", "|-fls=",
            "|-name=", "|-iname=", "|-path=", "|-ipath=", "|-wholename=", "|-iwholename=", "|-regex=", "|-iregex=", "|-lname=",
            "|-ilname=", "|-type=", "|-xtype=", "|-user=", "|-group=", "|-uid=", "|-gid=", "|-perm=", "|-size=", "|-mtime=",
            "|-mmin=", "|-atime=", "|-amin=", "|-ctime=", "|-cmin=", "|-newer=", "|-anewer=", "|-cnewer=", "|-used=", "|-links=",
            "|-inum=", "|-samefile=", "|-maxdepth=", "|-mindepth=", "|-fstype=", "|-printf=", "|-context=", "|-regextype=",
            "|-files0-from=", "|-print", "|-print0", "|-ls", "|-prune", "|-quit", "|-empty", "|-depth", "|-xdev", "|-mount",
            "|-follow", "|-true", "|-false", "|-readable", "|-writable", "|-executable"),
    ];

    private static readonly Dictionary<string, OptionGrammar[]> ByCommand = All.GroupBy(g => g.Command, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    /// <summary>The grammar for a pattern's command (and, for git, its subcommand), or null.</summary>
    public static OptionGrammar? For(string command, string? second)
    {
        if (!ByCommand.TryGetValue(command, out var grammars))
        {
            return null;
        }

        foreach (var grammar in grammars)
        {
            if (grammar.Subcommand is null || grammar.Subcommand == second)
            {
                return grammar;
            }
        }

        return null;
    }

    private static OptionGrammar Ownership(string command) => new(command, null, GrammarStyle.Getopt,
        "c|changes", "|dereference", "h|no-dereference", "|from=", "f|silent,quiet", "|no-preserve-root", "|preserve-root", "|reference=",
        "R|recursive", "v|verbose", "H", "L", "P", "|help", "|version");
}
