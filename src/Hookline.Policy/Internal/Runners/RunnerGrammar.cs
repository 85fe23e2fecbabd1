namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// How a command runner is called: which options take an argument (short letters, long names), and how many operands
/// come before the command it runs. <c>Privileged</c> runners change the user, like sudo.
/// </summary>
internal sealed record RunnerGrammar(string Short, string[] Long, int Operands = 0, bool Privileged = false, bool OptionsAfterOperands = false)
{
    /// <summary>Runners that run the rest of their words as a command, after their options and operands.</summary>
    public static readonly Dictionary<string, RunnerGrammar> Wrappers = new(StringComparer.Ordinal)
    {
        ["setsid"] = new("", []),
        ["ionice"] = new("cnpPu", ["--class", "--classdata", "--pid", "--pgid", "--uid"]),
        ["taskset"] = new("", [], Operands: 1), // taskset [-c] MASK|LIST cmd
        ["chrt"] = new("TPD", ["--sched-runtime", "--sched-period", "--sched-deadline"], Operands: 1),
        ["unshare"] = new("SGRw", ["--setuid", "--setgid", "--root", "--wd", "--map-user", "--map-group", "--map-users", "--map-groups", "--propagation"]),
        ["nsenter"] = new("tSGrw", ["--target", "--setuid", "--setgid"]),
        ["chroot"] = new("", ["--userspec", "--groups"], Operands: 1),
        ["strace"] = new("abeEIoOpPsSuUX", ["--output", "--expression", "--attach", "--user", "--env", "--string-limit", "--trace-path", "--signal", "--status", "--decode-fds", "--absolute-timestamps", "--syscall-times", "--columns", "--summary-sort-by", "--summary-columns"]),
        ["ltrace"] = new("aAeEDFlnopsuwxL", ["--output", "--library", "--align", "--indent"]),
        ["busybox"] = new("", []),
        ["pkexec"] = new("", ["--user"], Privileged: true),
        ["run0"] = new("uDg", ["--user", "--group", "--chdir", "--unit", "--property", "--description", "--slice", "--nice", "--setenv", "--machine"], Privileged: true),
        ["systemd-run"] = new("pEuHMGs", ["--unit", "--property", "--description", "--slice", "--uid", "--gid", "--nice", "--working-directory", "--setenv", "--machine", "--host", "--on-active", "--on-calendar", "--timer-property"]),
        ["setarch"] = new("", [], Operands: 1, OptionsAfterOperands: true),
        ["linux32"] = new("", []),
        ["linux64"] = new("", []),
        ["faketime"] = new("fm", [], Operands: 1),
        ["fakeroot"] = new("si", ["--lib", "--faked"]),
        ["eatmydata"] = new("", []),
        ["catchsegv"] = new("", []),
        ["nocache"] = new("", []),
        ["proxychains"] = new("f", []),
        ["proxychains4"] = new("f", []),
        ["torsocks"] = new("uapP", ["--user", "--pass", "--address", "--port"]),
        ["torify"] = new("", []),
        ["firejail"] = new("", []),
        ["caffeinate"] = new("tw", []),
        ["sandbox-exec"] = new("fpD", []),
        ["numactl"] = new("CNmpiP", ["--physcpubind", "--cpunodebind", "--membind", "--preferred", "--interleave"]),
        ["cgexec"] = new("g", []),
        ["prlimit"] = new("p", ["--pid"]),
        ["valgrind"] = new("", []),
        ["unbuffer"] = new("", []),
        ["chpst"] = new("ugUelLmdofcrpn/", []),
    };

    /// <summary>
    /// A long option that takes the next word: one of <paramref name="longWithArgument"/> spelled in full or, as GNU
    /// getopt accepts, by a prefix that names only it (<c>timeout --sig KILL</c>, <c>sudo --us root</c>).
    /// </summary>
    public static bool TakesNextWord(ReadOnlySpan<char> word, string[] longWithArgument) => !word.Contains('=') && IsLongOption(word, longWithArgument);

    /// <summary>The word (before any '=') is one of the long options, in full or by a prefix that names only it.</summary>
    public static bool IsLongOption(ReadOnlySpan<char> word, string[] longOptions)
    {
        var eq = word.IndexOf('=');
        var spelled = eq < 0 ? word : word[..eq];
        if (spelled.Length < 3 || !spelled.StartsWith("--", StringComparison.Ordinal))
        {
            return false;
        }

        var matches = 0;
        foreach (var option in longOptions)
        {
            if (spelled.SequenceEqual(option))
            {
                return true;
            }

            matches += option.AsSpan().StartsWith(spelled, StringComparison.Ordinal) ? 1 : 0;
        }

        return matches == 1;
    }

    /// <summary>The word (before any '=') is <paramref name="longName"/> in full or a prefix of it.</summary>
    public static bool IsLongOption(ReadOnlySpan<char> word, string longName)
    {
        var eq = word.IndexOf('=');
        var spelled = eq < 0 ? word : word[..eq];
        return spelled.Length >= 3 && spelled.StartsWith("--", StringComparison.Ordinal) && longName.AsSpan().StartsWith(spelled, StringComparison.Ordinal);
    }

    /// <summary>env's first option letter that takes an argument (S, u, C, P) in a short cluster, and where it is; else '\0'.</summary>
    public static char EnvOptionLetter(ReadOnlySpan<char> word, out int at)
    {
        at = -1;
        if (word.Length < 2 || word[0] != '-' || word[1] == '-')
        {
            return '\0';
        }

        for (var j = 1; j < word.Length; j++)
        {
            if (word[j] is 'S' or 'u' or 'C' or 'P')
            {
                at = j;
                return word[j];
            }
        }

        return '\0';
    }
}
