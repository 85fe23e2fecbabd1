using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Configuration that changes what a command runs (a pager, an external diff, a preloaded library, git config keys
/// that name programs): an allow rule cannot vouch for what it runs, so the answer is at least ask.
/// </summary>
internal static class RunConfig
{
    private static readonly HashSet<string> Variables = new(StringComparer.Ordinal)
    {
        "GIT_EXTERNAL_DIFF", "GIT_EXEC_PATH", "GIT_DIR", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS", "SSH_ASKPASS",
        "GIT_PROXY_COMMAND", "GIT_TEMPLATE_DIR", "LD_PRELOAD", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "BASH_ENV", "ENV",
        "PROMPT_COMMAND", "LESSOPEN", "LESSCLOSE",

        // Build tools that load or run code named by the environment: an allow rule for "dotnet test" or "cargo build"
        // cannot vouch for a startup hook, a compiler wrapper, a plugin or a config home elsewhere.
        "DOTNET_STARTUP_HOOKS", "DOTNET_ROOT", "DOTNET_ADDITIONAL_DEPS", "DOTNET_SHARED_STORE", "DOTNET_HOST_PATH", "DOTNET_CLI_HOME",
        "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTC", "CARGO_BUILD_RUSTDOC", "RUSTDOC", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN",
        "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "MAKEFILES", "NODE_PATH", "HOME", "XDG_CONFIG_HOME", "ZDOTDIR", "GOENV", "GOROOT",
        "PYTHONHOME", "PERL5LIB", "PERLLIB", "RUBYLIB", "GEM_HOME", "BUNDLE_GEMFILE", "CLASSPATH", "MAVEN_OPTS", "GRADLE_OPTS",
    };

    // Programs where a plain value ("cat", "less -R", "true") is the everyday way to turn off a prompt or a pager.
    private static readonly HashSet<string> ProgramVariables = new(StringComparer.Ordinal)
    {
        "PAGER", "GIT_PAGER", "MANPAGER", "SYSTEMD_PAGER", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "EDITOR", "VISUAL",
    };

    private static readonly HashSet<string> HarmlessPrograms = new(StringComparer.Ordinal) { "", "cat", "less", "more", "true", ":", "tee" };

    // git config keys (lower case) whose value is a program, a hook directory or a file of more config.
    private static readonly HashSet<string> GitKeys = new(StringComparer.Ordinal)
    {
        "core.fsmonitor", "core.hookspath", "core.sshcommand", "core.pager", "core.editor", "core.askpass", "core.gitproxy",
        "diff.external", "sequence.editor", "credential.helper", "gpg.program", "uploadpack.packobjectshook",
        "init.templatedir", "include.path", "core.worktree", "diff.tool", "merge.tool",
    };

    private static readonly string[] GitKeyPrefixes = ["alias.", "filter.", "pager.", "includeif."];
    private static readonly string[] GitKeySuffixes = [".textconv", ".command", ".driver", ".program", ".cmd", ".helper", ".uploadpack", ".receivepack", ".path"];

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> VariableLookup = Variables.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ProgramLookup = ProgramVariables.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> GitKeyLookup = GitKeys.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> HarmlessLookup = HarmlessPrograms.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>A <c>NAME=value</c> word (a prefix assignment, or an argument of export/declare/env).</summary>
    public static void CheckAssignment(ShellScan scan, ShellWord word)
    {
        var text = scan[word.Text];
        var eq = text.IndexOf('=');
        if (eq <= 0)
        {
            return;
        }

        var name = text[..eq].TrimEnd('+');
        if (VariableLookup.Contains(name) || name.StartsWith("GIT_CONFIG", StringComparison.Ordinal)
            || (ProgramLookup.Contains(name) && (word.IsDynamic || !IsHarmlessProgram(text[(eq + 1)..])))
            || BuildEnvironment.ChangesWhatRuns(name, text[(eq + 1)..], word.IsDynamic))
        {
            scan.Raise(ReasonCodes.ChangesWhatRuns, $"{name.ToString()} changes which program runs", word.Text);
        }
    }

    /// <summary>export, declare -x, typeset, readonly, local: their NAME=value arguments.</summary>
    public static void CheckDeclaration(ShellScan scan, ReadOnlySpan<ShellWord> command)
    {
        for (var i = 1; i < command.Length; i++)
        {
            CheckAssignment(scan, command[i]);
        }
    }

    /// <summary>A git config key set to a value (<c>git -c k=v</c>, <c>git config k v</c>): a key that names a program asks.</summary>
    public static void CheckGitKey(ShellScan scan, ReadOnlySpan<char> key, ReadOnlySpan<char> value, bool valueKnown, TextRange subject)
    {
        Span<char> lower = stackalloc char[Math.Min(key.Length, 256)];
        var n = key[..lower.Length].ToLowerInvariant(lower);
        var k = lower[..n];
        var runs = GitKeyLookup.Contains(k);
        foreach (var prefix in GitKeyPrefixes)
        {
            runs |= k.StartsWith(prefix, StringComparison.Ordinal);
        }

        foreach (var suffix in GitKeySuffixes)
        {
            runs |= k.EndsWith(suffix, StringComparison.Ordinal);
        }

        runs |= k is "protocol.allow" or "protocol.ext.allow" || IsForcedPushRefspec(k, value);
        var pagerLike = k is "core.pager" or "core.editor" or "sequence.editor" || k.StartsWith("pager.", StringComparison.Ordinal);
        if (runs && !(pagerLike && valueKnown && IsHarmlessProgram(value)))
        {
            scan.Raise(ReasonCodes.ChangesWhatRuns, $"git config {key.ToString()} changes which program git runs", subject);
        }
    }

    /// <summary><c>remote.NAME.push=+SRC:DST</c> (a KEY=VALUE text): a refspec that forces every push.</summary>
    public static bool IsForcedPushRefspec(ReadOnlySpan<char> assignment)
    {
        var eq = assignment.IndexOf('=');
        return eq > 0 && IsForcedPushRefspec(assignment[..eq], assignment[(eq + 1)..]);
    }

    private static bool IsForcedPushRefspec(ReadOnlySpan<char> key, ReadOnlySpan<char> value) =>
        key.StartsWith("remote.", StringComparison.OrdinalIgnoreCase) && key.EndsWith(".push", StringComparison.OrdinalIgnoreCase) && value.TrimStart().StartsWith('+');

    /// <summary><c>npm --script-shell X</c>, <c>npm config set script-shell X</c>: npm runs every script with that program.</summary>
    public static void CheckPackageManager(ShellScan scan, ReadOnlySpan<ShellWord> command)
    {
        for (var i = 1; i < command.Length; i++)
        {
            var w = scan[command[i].Text];
            if (w.StartsWith("--script-shell", StringComparison.Ordinal) || (w is "script-shell" && i >= 2 && scan[command[i - 1].Text] is "set") || w.StartsWith("script-shell=", StringComparison.Ordinal))
            {
                scan.Raise(ReasonCodes.ChangesWhatRuns, "npm's script shell changes which program runs every script", command[i].Text);
                return;
            }
        }
    }

    private static bool IsHarmlessProgram(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ' ' or '-' or ':'))
            {
                return false; // a shell runs the value: ';', '|', '$', '/' are not for us to guess
            }
        }

        var space = value.IndexOf(' ');
        return HarmlessLookup.Contains(space < 0 ? value : value[..space]);
    }
}
