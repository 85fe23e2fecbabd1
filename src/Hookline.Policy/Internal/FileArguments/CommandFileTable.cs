namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// The commands whose file reading and writing Hookline knows, with the options that read, write, search or run
/// another program. A command missing here is "not known": a protected path among its words gets ask, not deny.
/// Built once; looked up by span (no allocation).
/// </summary>
internal static class CommandFileTable
{
    private static readonly string[] Output = ["-o", "--output"];

    private static readonly CommandFileSpec[] Specs =
    [
        // Readers.
        .. Many(OperandUse.Read, "cat", "tac", "nl", "more", "bat", "batcat", "od", "hexdump", "strings", "rev", "file", "md5sum", "sha1sum",
            "sha256sum", "sha512sum", "cksum", "b2sum", "paste", "comm", "cmp", "diff", "fold", "fmt", "expand", "unexpand", "column",
            "source", ".", "ssh-add", "view", "split", "look"),
        new("head", OperandUse.Read) { AbbreviatesLong = true, ShortWithValue = "nc", LongWithValue = ["--lines", "--bytes"] },
        new("tail", OperandUse.Read) { AbbreviatesLong = true, ShortWithValue = "ncs", LongWithValue = ["--lines", "--bytes", "--pid", "--sleep-interval"] },
        new("less", OperandUse.Read) { ShortWithValue = "bhjkoOpPtTxyz", WritesValue = ["-o", "-O", "--log-file", "--LOG-FILE"], LongWithValue = ["--log-file", "--LOG-FILE"] },
        new("wc", OperandUse.Read) { AbbreviatesLong = true, ReadsValue = ["--files0-from"], NamesListValue = ["--files0-from"] },
        new("cut", OperandUse.Read) { AbbreviatesLong = true, ShortWithValue = "bcdf", LongWithValue = ["--bytes", "--characters", "--delimiter", "--fields", "--output-delimiter"] },
        new("base64", OperandUse.Read) { AbbreviatesLong = true, ShortWithValue = "wio", ReadsValue = ["-i", "--input"], WritesValue = ["-o", "--output"], LongWithValue = ["--wrap", "--input", "--output"] },
        new("xxd", OperandUse.CopyLike) { ShortWithValue = "cglosn", LongWithValue = ["-cols", "-groupsize", "-len", "-seek", "-name"] },
        new("uniq", OperandUse.CopyLike) { AbbreviatesLong = true, ShortWithValue = "fsw", LongWithValue = ["--skip-fields", "--skip-chars", "--check-chars"] },
        new("sort", OperandUse.Read)
        {
            ShortWithValue = "kotST", LongWithValue = ["--key", "--output", "--field-separator", "--buffer-size", "--temporary-directory", "--compress-program", "--files0-from"],
            WritesValue = Output, ReadsValue = ["--files0-from"], RunsProgram = ["--compress-program"], NamesListValue = ["--files0-from"], AbbreviatesLong = true,
        },
        new("jq", OperandUse.Read)
        {
            LeadingData = 1, ShortWithValue = "fL", LongWithValue = ["--from-file", "--indent"],
            NameThenValue = ["--arg", "--argjson", "--slurpfile", "--rawfile", "--argfile"], // NAME VALUE: the value is the second word
            DataOptions = ["-f", "--from-file"], ReadsValue = ["-f", "--from-file", "--slurpfile", "--rawfile", "--argfile"],
        },
        new("awk", OperandUse.Read) { LeadingData = 1, ShortWithValue = "fvFiE", DataOptions = ["-f", "-E", "--file"], ReadsValue = ["-f", "-i", "-E", "--file", "--include"], LongWithValue = ["--file", "--include", "--assign", "--field-separator"] },
        new("sed", OperandUse.Read)
        {
            LeadingData = 1, ShortWithValue = "efl", LongWithValue = ["--expression", "--file", "--line-length"],
            DataOptions = ["-e", "-f", "--expression", "--file"], ReadsValue = ["-f", "--file"], WritesOperands = ["-i", "--in-place"], AbbreviatesLong = true,
        },
        new("iconv", OperandUse.Read) { AbbreviatesLong = true, ShortWithValue = "fto", LongWithValue = ["--from-code", "--to-code", "--output"], WritesValue = Output },

        // Searches.
        .. Searcher("grep"), .. Searcher("egrep"), .. Searcher("fgrep"), .. Searcher("zgrep"),
        new("rg", OperandUse.Search)
        {
            LeadingData = 1, SearchesCwdByDefault = true, ShortWithValue = "efgmABCMEtTjr",
            LongWithValue = ["--regexp", "--file", "--glob", "--iglob", "--type-add", "--max-count", "--after-context", "--before-context", "--context", "--type", "--type-not", "--pre", "--pre-glob", "--replace", "--encoding", "--threads", "--ignore-file", "--max-depth", "--sort", "--sortr"],
            DataOptions = ["-e", "-f", "--regexp", "--file", "--files", "--type-list"], ReadsValue = ["-f", "--file", "--ignore-file"],
            FilterValue = ["-g", "--glob", "--iglob"], RunsProgram = ["--pre", "-z", "--search-zip"], TypedFilterValue = ["--type-add"],
        },
        new("ag", OperandUse.Search) { LeadingData = 1, SearchesCwdByDefault = true, ShortWithValue = "GgABCm", FilterValue = ["-G", "--file-search-regex"], LongWithValue = ["--file-search-regex", "--ignore", "--path-to-ignore"] },
        new("tar", OperandUse.Search)
        {
            ShortWithValue = "fCIKTXgbHV", LongWithValue = ["--file", "--directory", "--use-compress-program", "--to-command", "--files-from", "--exclude-from", "--checkpoint-action", "--info-script", "--new-volume-script", "--rsh-command"],
            ReadsValue = ["-T", "--files-from", "-X", "--exclude-from"], NamesListValue = ["-T", "--files-from"], AbbreviatesLong = true,
            RunsProgram = ["-I", "--use-compress-program", "--to-command", "--checkpoint-action", "--info-script", "-F", "--new-volume-script", "--rsh-command"],
        },
        new("zip", OperandUse.Search) { ShortWithValue = "bnPtxiTU", LongWithValue = ["--temp-path", "--password", "--unzip-command"], RunsProgram = ["-TT", "--unzip-command"] },

        // Writers.
        new("tee", OperandUse.Write),
        .. Many(OperandUse.Write, "rm", "shred", "rmdir", "unlink"),
        new("touch", OperandUse.Write) { AbbreviatesLong = true, ShortWithValue = "dtr", LongWithValue = ["--date", "--reference"], ReadsValue = ["-r", "--reference"] },
        new("truncate", OperandUse.Write) { AbbreviatesLong = true, ShortWithValue = "sr", LongWithValue = ["--size", "--reference"] },
        new("chmod", OperandUse.Write) { LeadingData = 1, DataOptions = ["--reference"] },
        new("chown", OperandUse.Write) { LeadingData = 1, DataOptions = ["--reference"] },
        new("chgrp", OperandUse.Write) { LeadingData = 1, DataOptions = ["--reference"] },
        .. Copier("cp"), .. Copier("mv"), .. Copier("ln"),
        new("install", OperandUse.CopyLike) { AbbreviatesLong = true, ShortWithValue = "gmoStT", LongWithValue = ["--group", "--mode", "--owner", "--suffix", "--target-directory"], TargetDirectory = ["-t", "--target-directory"] },
        new("rsync", OperandUse.CopyLike) { ShortWithValue = "eTfB", LongWithValue = ["--rsh", "--rsync-path", "--files-from", "--exclude-from", "--include-from", "--filter", "--temp-dir"], RunsProgram = ["-e", "--rsh", "--rsync-path"], ReadsValue = ["--files-from", "--exclude-from", "--include-from"] },
        new("scp", OperandUse.CopyLike) { ShortWithValue = "cFiJloPSDX", ReadsValue = ["-i", "-F"], RunsProgram = ["-S", "-o"] },
        new("dd", OperandUse.KeyValue),
        .. Many(OperandUse.ReadWrite, "vi", "vim", "nvim", "nano", "emacs", "ed", "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "dos2unix", "unix2dos"),
        new("mkdir", OperandUse.Create) { ShortWithValue = "m", LongWithValue = ["--mode", "--context"], AbbreviatesLong = true }, // creates its operands

        // Network clients: their operands are URLs, but options read and write files.
        new("curl", OperandUse.None)
        {
            ShortWithValue = "dFHoTuXAbcDeEKmrwxyYzCQ", LongWithValue = ["--data", "--data-binary", "--data-raw", "--data-urlencode", "--form", "--output", "--upload-file", "--config", "--cookie", "--cookie-jar", "--dump-header", "--trace", "--trace-ascii", "--cert", "--key", "--header", "--user", "--request", "--url", "--json", "--stderr", "--netrc-file", "--cacert", "--output-dir"],
            ReadsValue = ["-d", "--data", "--data-binary", "--data-urlencode", "--json", "-F", "--form", "-T", "--upload-file", "-K", "--config", "-b", "--cookie", "-E", "--cert", "--key", "--netrc-file", "-H", "--header"],
            WritesValue = ["-o", "--output", "-c", "--cookie-jar", "-D", "--dump-header", "--trace", "--trace-ascii", "--stderr", "--output-dir"],
        },
        new("wget", OperandUse.None)
        {
            ShortWithValue = "OoaiPeU", LongWithValue = ["--output-document", "--output-file", "--append-output", "--input-file", "--post-file", "--body-file", "--directory-prefix", "--execute", "--user-agent", "--config"],
            ReadsValue = ["-i", "--input-file", "--post-file", "--body-file", "--config"], WritesValue = ["-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P", "--directory-prefix"],
            RunsProgram = ["-e", "--execute"], AbbreviatesLong = true,
        },
        new("ssh", OperandUse.None) { ShortWithValue = "bcDEeFiIJlLmOopQRSwW", ReadsValue = ["-i", "-F"], RunsProgram = ["-o"] },

        // Commands that name files without reading them.
        .. Many(OperandUse.None, "echo", "printf", "ls", "pwd", "cd", "pushd", "popd", "export", "unset", "set", "test", "[", "[[", "true", "false",
            "sleep", "date", "whoami", "id", "uname", "which", "type", "command", "hash", "kill", "ps", "env", "du", "df", "stat", "realpath",
            "readlink", "basename", "dirname", "exit", "wait", "seq", "yes", "tr", "expr", "clear", "man", "tree", "exa", "eza", "lsof", "history"),

        // Developer tools: what they run is the project's own code; options that run something else or write elsewhere.
        new("git", OperandUse.None) { ShortWithValue = "Cc", RunsProgram = ["--exec-path", "--config-env"] },
        .. GitReader("git show"), .. GitReader("git diff"), .. GitReader("git log"), .. GitReader("git blame"), .. GitReader("git annotate"),
        .. GitReader("git cat-file"), .. GitReader("git whatchanged"), .. GitReader("git range-diff"),
        new("git grep", OperandUse.RepoRead) { LeadingData = 1, ShortWithValue = "efOABCm", DataOptions = ["-e", "-f"], ReadsValue = ["-f"], RunsProgram = ["-O", "--open-files-in-pager", "--ext-grep"] },
        // git add names files that git diff --cached then prints: staging is reading (git add -f .env).
        new("git add", OperandUse.RepoRead) { LongWithValue = ["--chmod", "--pathspec-from-file"], ReadsValue = ["--pathspec-from-file"], NamesListValue = ["--pathspec-from-file"] },
        new("git commit", OperandUse.None) { ShortWithValue = "mFCcSt", LongWithValue = ["--message", "--file", "--reuse-message", "--reedit-message", "--template", "--author", "--date", "--fixup", "--squash", "--cleanup", "--trailer"], ReadsValue = ["-F", "--file", "-t", "--template"] },
        new("git format-patch", OperandUse.None) { ShortWithValue = "ov", LongWithValue = ["--output-directory", "--output"], WritesValue = ["-o", "--output-directory", "--output"] },
        new("git archive", OperandUse.None) { ShortWithValue = "o", LongWithValue = ["--output", "--remote", "--exec"], WritesValue = Output, RunsProgram = ["--exec"] },
        new("git apply", OperandUse.Read) { ShortWithValue = "pC", LongWithValue = ["--directory", "--include", "--exclude"] },
        new("npm", OperandUse.None) { AbbreviatesLong = true, RunsProgram = ["--script-shell", "--userconfig", "--globalconfig", "--node-options"], LongWithValue = ["--script-shell", "--userconfig", "--globalconfig", "--node-options", "--prefix"] },
        new("npx", OperandUse.None) { RunsProgram = ["-c", "--call", "--script-shell", "--node-options"], WritesValue = ["--outDir", "--outFile", "--declarationDir"], LongWithValue = ["--outDir", "--outFile", "--declarationDir", "--call", "--package"], ShortWithValue = "cp" },
        new("pytest", OperandUse.None)
        {
            ShortWithValue = "pkmcro", LongWithValue = ["--basetemp", "--junitxml", "--junit-xml", "--log-file", "--result-log", "--rootdir", "--confcutdir", "--config-file", "--cov-report", "--html", "--debug", "--override-ini"],
            WritesValue = ["--basetemp", "--junitxml", "--junit-xml", "--log-file", "--result-log", "--html", "--debug"], ReadsValue = ["-c", "--config-file"], RunsProgram = ["-p", "--pastebin", "-o", "--override-ini"], // -o addopts=...: options of its own
        },
        new("jest", OperandUse.None) { ShortWithValue = "ct", LongWithValue = ["--config", "--outputFile", "--coverageDirectory", "--testResultsProcessor", "--reporters"], ReadsValue = ["-c", "--config"], WritesValue = ["--outputFile", "--coverageDirectory"], RunsProgram = ["--testResultsProcessor", "--reporters", "--globalSetup", "--globalTeardown", "--setupFiles"] },
        new("make", OperandUse.None)
        {
            ShortWithValue = "fCIjlOoW", LongWithValue = ["--file", "--makefile", "--directory", "--include-dir", "--eval", "--jobs", "--load-average", "--old-file", "--what-if", "--assume-old", "--assume-new", "--new-file", "--output-sync"],
            RunsProgram = ["-f", "--file", "--makefile", "--eval", "-I", "--include-dir"], RunsAssignment = ["SHELL", "MAKEFILES", ".SHELLFLAGS", "MAKEFLAGS", "MFLAGS", "MAKE", "MAKESHELL"], AbbreviatesLong = true,
            RunsInDirectory = ["-C", "--directory"],
        },
        .. GoTool("go test"), .. GoTool("go build"), .. GoTool("go vet"), .. GoTool("go install"),
        new("cargo", OperandUse.None) { ShortWithValue = "pjZ", LongWithValue = ["--config", "--target-dir", "--manifest-path", "--out-dir", "--artifact-dir", "--package", "--jobs"], WritesValue = ["--target-dir", "--out-dir", "--artifact-dir"], ReadsValue = ["--manifest-path"], RunsProgram = ["--config", "-Z"] },
        new("dotnet", OperandUse.None)
        {
            ShortWithValue = "ocfrvlps", LongWithValue = ["--output", "--configuration", "--framework", "--runtime", "--verbosity", "--logger", "--diag", "--results-directory", "--settings", "--property", "--filter", "--test-adapter-path"],
            WritesValue = ["-o", "--output", "--diag", "--results-directory"], ReadsValue = ["-s", "--settings"], RunsProgram = ["--test-adapter-path"], MsBuildProperties = true,
        },
    ];

    private static readonly Dictionary<string, CommandFileSpec> ByName = Index();
    private static readonly Dictionary<string, CommandFileSpec>.AlternateLookup<ReadOnlySpan<char>> Lookup = ByName.GetAlternateLookup<ReadOnlySpan<char>>();

    // Tools whose second word picks a subcommand with a spec of its own ("git show"); otherwise the tool's spec applies.
    private static readonly HashSet<string> WithSubcommands = new(StringComparer.Ordinal) { "git", "go" };

    /// <summary>The spec for a command name, or for <c>name subcommand</c>; null when the command is not known.</summary>
    public static CommandFileSpec? Find(ReadOnlySpan<char> name, ReadOnlySpan<char> subcommand)
    {
        if (!Lookup.TryGetValue(name, out var spec))
        {
            return null;
        }

        if (subcommand.Length == 0 || subcommand.Length > 40 || !WithSubcommands.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name))
        {
            return spec;
        }

        Span<char> key = stackalloc char[name.Length + 1 + subcommand.Length];
        name.CopyTo(key);
        key[name.Length] = ' ';
        subcommand.CopyTo(key[(name.Length + 1)..]);
        return Lookup.TryGetValue(key, out var sub) ? sub : spec;
    }

    /// <summary>Whether the command's second word picks a subcommand (after the tool's own options).</summary>
    public static bool HasSubcommands(ReadOnlySpan<char> name) => WithSubcommands.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name);

    private static Dictionary<string, CommandFileSpec> Index()
    {
        var index = new Dictionary<string, CommandFileSpec>(StringComparer.Ordinal);
        foreach (var spec in Specs)
        {
            index[spec.Name] = spec;
        }

        index["go"] = new CommandFileSpec("go", OperandUse.None);
        return index;
    }

    private static CommandFileSpec[] Many(OperandUse use, params string[] names) => Array.ConvertAll(names, n => new CommandFileSpec(n, use));

    private static CommandFileSpec[] Searcher(string name) =>
    [
        new(name, OperandUse.Read)
        {
            LeadingData = 1, ShortWithValue = "efmABCdDX", AbbreviatesLong = true, LongWithValue = ["--regexp", "--file", "--max-count", "--after-context", "--before-context", "--context", "--directories", "--devices", "--include", "--exclude", "--exclude-dir", "--exclude-from", "--label"],
            DataOptions = ["-e", "-f", "--regexp", "--file"], ReadsValue = ["-f", "--file", "--exclude-from"], Recursive = ["-r", "-R", "--recursive", "--dereference-recursive"],
            FilterValue = ["--include"], SearchesCwdByDefault = true,
        },
    ];

    private static CommandFileSpec[] Copier(string name) =>
    [
        new(name, OperandUse.CopyLike) { AbbreviatesLong = true, ShortWithValue = "tSV", LongWithValue = ["--target-directory", "--suffix", "--backup"], TargetDirectory = ["-t", "--target-directory"] },
    ];

    private static CommandFileSpec[] GitReader(string name) =>
    [
        new(name, OperandUse.RepoRead)
        {
            ShortWithValue = "nLSGOUl", LongWithValue = ["--output", "--max-count", "--author", "--grep", "--format", "--pretty", "--since", "--until", "--diff-filter", "--word-diff-regex"],
            WritesValue = ["--output"], RunsProgram = ["--ext-diff", "--textconv", "--output-indicator-context"],
        },
    ];

    private static CommandFileSpec[] GoTool(string name) =>
    [
        new(name, OperandUse.None)
        {
            ShortWithValue = "opC", LongWithValue = ["-exec", "-toolexec", "-o", "-coverprofile", "-cpuprofile", "-memprofile", "-blockprofile", "-mutexprofile", "-trace", "-outputdir", "-overlay", "-modfile", "-run", "-bench", "-count", "-timeout", "-tags", "-ldflags", "-gcflags"],
            WritesValue = ["-o", "-coverprofile", "-cpuprofile", "-memprofile", "-blockprofile", "-mutexprofile", "-trace", "-outputdir"],
            ReadsValue = ["-overlay", "-modfile"], RunsProgram = ["-exec", "-toolexec"],
        },
    ];
}
