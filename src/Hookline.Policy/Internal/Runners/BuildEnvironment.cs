using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Environment variables whose value decides what an allow-listed build tool loads or runs, read by value so the
/// everyday settings stay quiet: <c>CC=gcc</c>, <c>GOFLAGS=-count=1</c>, <c>MAKEFLAGS=-j4</c> do not ask;
/// <c>CC=/tmp/x</c>, <c>GOFLAGS=-toolexec=...</c>, <c>MAKEFLAGS=SHELL=...</c>, any <c>npm_config_*</c> do.
/// </summary>
internal static class BuildEnvironment
{
    // Compilers and linkers named by a variable: a plain, known name (with a version suffix) is the everyday choice.
    private static readonly string[] CompilerVariables = ["CC", "CXX", "LD", "RUSTC", "FC", "AR", "CPP", "HOSTCC", "HOSTCXX", "OBJC"];
    private static readonly string[] KnownCompilers =
    [
        "gcc", "g++", "cc", "c++", "clang", "clang++", "ld", "ld.lld", "ld.gold", "ld.bfd", "lld", "mold", "rustc", "ar", "llvm-ar",
        "gfortran", "cpp", "tcc", "musl-gcc", "icx", "icpx",
    ];

    // go flags that name a program go runs (-toolexec, -exec, a linker), replace source files, or change directory.
    private static readonly string[] GoProgramFlags = ["toolexec", "exec", "overlay", "modfile", "compiler", "gccgoflags", "C", "pgo"];

    // make flags of everyday use: jobs, load, keep going, silence, directory messages, output sync, dry runs.
    private static readonly string[] MakeLongFlags =
    [
        "--jobs", "--load-average", "--keep-going", "--silent", "--quiet", "--no-print-directory", "--print-directory",
        "--output-sync", "--warn-undefined-variables", "--no-builtin-rules", "--no-builtin-variables", "--just-print", "--dry-run",
    ];

    public static bool ChangesWhatRuns(ReadOnlySpan<char> name, ReadOnlySpan<char> value, bool dynamic)
    {
        if (name.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase))
        {
            return true; // npm reads every option from these: node-options, userconfig, script-shell, prefix, ...
        }

        if (name.StartsWith("MSBuildExtensionsPath", StringComparison.OrdinalIgnoreCase) || name.StartsWith("CustomBeforeMicrosoft", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("CustomAfterMicrosoft", StringComparison.OrdinalIgnoreCase)
            || (name.StartsWith("CARGO_TARGET_", StringComparison.Ordinal) && (name.EndsWith("_RUNNER", StringComparison.Ordinal) || name.EndsWith("_LINKER", StringComparison.Ordinal))))
        {
            return true;
        }

        if (CommandSimplifier.IsOneOf(name, CompilerVariables))
        {
            return dynamic || !IsKnownCompiler(value);
        }

        return name switch
        {
            "GOFLAGS" => dynamic || !EveryWord(value, IsPlainGoFlag),
            "MAKEFLAGS" or "MFLAGS" or "GNUMAKEFLAGS" => dynamic || !EveryWord(value, IsPlainMakeFlag),
            "GOTOOLCHAIN" => dynamic || value is not ("local" or ""),
            "GOPROXY" => dynamic || !EveryListEntry(value),
            _ => false,
        };
    }

    private static bool IsKnownCompiler(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        // gcc-13, clang-17: a version suffix of digits.
        var end = value.Length;
        while (end > 0 && (char.IsAsciiDigit(value[end - 1]) || value[end - 1] == '.'))
        {
            end--;
        }

        var bare = end < value.Length && end > 0 && value[end - 1] == '-' ? value[..(end - 1)] : value;
        return CommandSimplifier.IsOneOf(bare, KnownCompilers);
    }

    private static bool IsPlainGoFlag(ReadOnlySpan<char> word)
    {
        var flag = word.TrimStart('-');
        var eq = flag.IndexOf('=');
        var key = eq < 0 ? flag : flag[..eq];
        return !CommandSimplifier.IsOneOf(key, GoProgramFlags) && !word.Contains("extld", StringComparison.Ordinal);
    }

    private static bool IsPlainMakeFlag(ReadOnlySpan<char> word)
    {
        if (word.StartsWith("--", StringComparison.Ordinal))
        {
            var eq = word.IndexOf('=');
            return CommandSimplifier.IsOneOf(eq < 0 ? word : word[..eq], MakeLongFlags);
        }

        // "-j4", "-ks", or the dashless first word "j4": letters of everyday flags and digits only ("SHELL=x" is not).
        foreach (var c in word.TrimStart('-'))
        {
            if (!(char.IsAsciiDigit(c) || c is 'j' or 'l' or 'k' or 's' or 'S' or 'w' or 'n' or 'q' or 'r' or 'R' or 'B' or 'O' or 'i' or 'd'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool EveryWord(ReadOnlySpan<char> value, Func<ReadOnlySpan<char>, bool> plain)
    {
        foreach (var range in value.Split(' '))
        {
            var word = value[range].Trim();
            if (!word.IsEmpty && !plain(word))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>GOPROXY: the default proxy, direct (the module's own VCS) and off; another proxy could serve any toolchain.</summary>
    private static bool EveryListEntry(ReadOnlySpan<char> value)
    {
        foreach (var range in value.SplitAny(',', '|'))
        {
            var entry = value[range].Trim();
            if (entry is not ("" or "off" or "direct" or "https://proxy.golang.org" or "https://proxy.golang.org/" or "https://goproxy.io" or "https://goproxy.cn"))
            {
                return false;
            }
        }

        return true;
    }
}
