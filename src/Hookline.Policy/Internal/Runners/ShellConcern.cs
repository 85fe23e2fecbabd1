using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Something in a command line the engine cannot see through (a program fed to a shell from a download or a file,
/// configuration that changes what runs): no allow rule may allow it, the answer is at least ask.
/// </summary>
/// <param name="ReasonCode">One of <see cref="ReasonCodes"/>.</param>
/// <param name="Reason">What was seen, for people.</param>
/// <param name="Subject">The words it was seen in.</param>
internal readonly record struct ShellConcern(string ReasonCode, string Reason, TextRange Subject);

/// <summary>Where a simple command's standard input comes from, as far as the parser can tell.</summary>
internal enum StdinKind : byte
{
    /// <summary>Whatever the surrounding command had (the agent's, usually nothing).</summary>
    Inherited,

    /// <summary>The previous elements of a pipeline; <see cref="StdinSource.Index"/> is where their parts start in <see cref="ShellScan.PipelineParts"/>.</summary>
    Pipe,

    /// <summary><c>&lt; file</c> or <c>&lt;&amp;</c>.</summary>
    File,

    /// <summary><c>&lt;&lt;&lt; word</c>.</summary>
    HereString,

    /// <summary><c>&lt;&lt; DELIM</c>; <see cref="StdinSource.Index"/> is the pending heredoc.</summary>
    Heredoc,
}

internal readonly record struct StdinSource(StdinKind Kind, ShellWord Word = default, int Index = -1);
