using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// What git runs besides itself: <c>rebase -x CMD</c>, <c>bisect run CMD</c>, <c>submodule foreach CMD</c>,
/// <c>filter-branch --*-filter CMD</c>, <c>difftool -x CMD</c>, aliases; and config that changes what it runs.
/// </summary>
internal static class GitRunners
{
    private static readonly string[] FilterOptions = ["--tree-filter", "--index-filter", "--msg-filter", "--env-filter", "--commit-filter", "--parent-filter", "--tag-name-filter"];

    public static bool Inspect(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        var i = 1;
        var forcedPush = false;
        while (i < command.Length && scan[command[i].Text] is ['-', ..] option)
        {
            if (option is "-c" && i + 1 < command.Length)
            {
                SetKey(parser, command[i + 1], command[i + 1].Text, privileged);
                forcedPush |= RunConfig.IsForcedPushRefspec(scan[command[i + 1].Text]);
            }
            else if (option.StartsWith("--config-env", StringComparison.Ordinal))
            {
                var spec = option is "--config-env" && i + 1 < command.Length ? scan[command[i + 1].Text] : option[Math.Min(option.Length, "--config-env=".Length)..];
                var eq = spec.IndexOf('=');
                RunConfig.CheckGitKey(scan, eq < 0 ? spec : spec[..eq], [], valueKnown: false, command[i].Text);
            }
            else if (option.StartsWith("--exec-path=", StringComparison.Ordinal) || option.StartsWith("--git-dir", StringComparison.Ordinal))
            {
                scan.Raise(ReasonCodes.ChangesWhatRuns, $"git {option.ToString()} changes which programs and configuration git uses", command[i].Text);
            }

            i += option is "-C" or "-c" or "--git-dir" or "--work-tree" or "--namespace" or "--config-env" or "--super-prefix" ? 2 : 1;
        }

        if (i >= command.Length)
        {
            return false;
        }

        var sub = scan[command[i].Text];
        var rest = command[(i + 1)..];
        if (scan.Bound.Count > 0 && scan.Bound.TryGet(scan, sub, git: true, out var alias))
        {
            ExpandAlias(parser, alias, rest, privileged);
        }

        GitTransports.Inspect(parser, sub, command, rest, privileged);
        if (forcedPush && sub is "push")
        {
            // -c remote.NAME.push=+SRC:DST makes a plain push a forced one: match it as one.
            var start = scan.Text.Length;
            scan.Text.Append("git push --force");
            parser.ParseNested(scan.Text.From(start), privileged);
        }

        switch (sub)
        {
            case "rebase":
                for (var j = 0; j < rest.Length; j++)
                {
                    var w = scan[rest[j].Text];
                    if (w is "-x" or "--exec" && j + 1 < rest.Length)
                    {
                        parser.ParseNested(rest[++j].Text, privileged);
                    }
                    else if (w.StartsWith("--exec=", StringComparison.Ordinal))
                    {
                        parser.ParseNested(RunnerText.After(rest[j], "--exec=".Length), privileged);
                    }
                    else if (w.StartsWith("-x", StringComparison.Ordinal) && w.Length > 2)
                    {
                        parser.ParseNested(RunnerText.After(rest[j], 2), privileged);
                    }
                }

                break;
            case "bisect" when rest.Length > 1 && scan[rest[0].Text] is "run":
                CommandSimplifier.Add(parser, rest[1..], privileged);
                break;
            case "submodule":
                for (var j = 0; j < rest.Length; j++)
                {
                    if (scan[rest[j].Text] is "foreach")
                    {
                        var k = j + 1;
                        while (k < rest.Length && scan[rest[k].Text] is "--recursive" or "-q" or "--quiet")
                        {
                            k++;
                        }

                        if (k < rest.Length)
                        {
                            parser.ParseNested(RunnerText.JoinValues(scan, rest[k..]), privileged);
                        }

                        break;
                    }
                }

                break;
            case "filter-branch" or "difftool" or "mergetool":
                for (var j = 0; j + 1 < rest.Length; j++)
                {
                    var w = scan[rest[j].Text];
                    if (CommandSimplifier.IsOneOf(w, FilterOptions) || (sub is not "filter-branch" && w is "-x" or "--extcmd" or "-t" or "--tool"))
                    {
                        parser.ParseNested(rest[++j].Text, privileged);
                    }
                }

                break;
            case "config":
                Config(parser, rest, privileged);
                break;
        }

        return false;
    }

    /// <summary><c>git config [--global] KEY VALUE</c>, <c>git config set KEY VALUE</c>: a key that runs code asks; an alias is remembered.</summary>
    private static void Config(ShellParser parser, ReadOnlySpan<ShellWord> rest, bool privileged)
    {
        var scan = parser.Output;
        var j = 0;
        if (j < rest.Length && scan[rest[j].Text] is "set")
        {
            j++;
        }

        var key = -1;
        for (; j < rest.Length; j++)
        {
            var w = scan[rest[j].Text];
            if (w is "-f" or "--file" or "--blob" or "--type" or "--default" or "--comment" or "--value")
            {
                j++;
                continue;
            }

            if (w.StartsWith('-'))
            {
                if (w is "--get" or "--get-all" or "--get-regexp" or "--list" or "-l" or "--unset" or "--unset-all" or "--show-origin" or "--get-urlmatch")
                {
                    return; // reads (or removes): runs nothing new
                }

                continue;
            }

            if (key < 0)
            {
                key = j;
                continue;
            }

            var start = scan.Text.Length;
            scan.Text.Append(scan[rest[key].Text]);
            scan.Text.Append('=');
            scan.Text.Append(scan[rest[j].Text]);
            SetKey(parser, rest[j], scan.Text.From(start), privileged);
            return;
        }
    }

    /// <summary>KEY=VALUE set for git: check it; an alias is bound for the rest of the line and its command read.</summary>
    private static void SetKey(ShellParser parser, ShellWord word, TextRange assignment, bool privileged)
    {
        var scan = parser.Output;
        var text = scan[assignment];
        var eq = text.IndexOf('=');
        var key = eq < 0 ? text : text[..eq];
        var value = eq < 0 ? [] : text[(eq + 1)..];
        RunConfig.CheckGitKey(scan, key, value, valueKnown: !word.IsDynamic, word.Text);
        if (eq > 0 && key.StartsWith("alias.", StringComparison.OrdinalIgnoreCase) && key.Length > "alias.".Length)
        {
            var name = new TextRange(assignment.Start + "alias.".Length, eq - "alias.".Length);
            var aliasValue = new TextRange(assignment.Start + eq + 1, text.Length - eq - 1);
            scan.Bound.Add(name, aliasValue, git: true);
            ExpandAlias(parser, aliasValue, [], privileged);
        }
    }

    /// <summary>"!CMD" runs CMD in a shell (with the arguments appended); anything else is a git command line.</summary>
    private static void ExpandAlias(ShellParser parser, TextRange alias, ReadOnlySpan<ShellWord> arguments, bool privileged)
    {
        var scan = parser.Output;
        var value = scan[alias];
        var text = value.StartsWith('!')
            ? RunnerText.JoinRaw(scan, value[1..], arguments)
            : RunnerText.JoinRaw(scan, $"git {value.ToString()}", arguments);
        parser.ParseNested(text, privileged);
    }
}
