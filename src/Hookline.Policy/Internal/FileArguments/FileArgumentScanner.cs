using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// Finds the files a parsed command line reads, writes and searches: the operands and option values of the commands
/// in <see cref="CommandFileTable"/>, every word of the commands it does not know, and the redirect targets. Paths are
/// normalised into the evaluation's text against the cwd and every directory the line changes to.
/// </summary>
internal static class FileArgumentScanner
{
    public static void Collect(ShellScan shell, ReadOnlySpan<char> raw, string cwd, string? home, IReadOnlyDictionary<string, string>? userHomes, FileArgumentList into)
    {
        into.Reset();
        var scan = new Scan(shell, cwd, home, userHomes, into);
        scan.AddBases();
        CdPath.AddBases(shell, raw, cwd, home, userHomes, into);
        foreach (var command in shell.Commands)
        {
            var words = shell.WordsOf(command);
            if (words.Length > 0 && !words[0].IsDynamic)
            {
                scan.Command(words);
            }
        }

        foreach (var target in shell.WriteTargets)
        {
            scan.Path(target, FileUse.Write, isGlob: false, isPart: false);
        }

        foreach (var target in shell.ReadTargets)
        {
            scan.Path(target, FileUse.Read, isGlob: false, isPart: false);
        }
    }

    private readonly struct Scan(ShellScan shell, string cwd, string? home, IReadOnlyDictionary<string, string>? userHomes, FileArgumentList into)
    {
        private TextArena Text => shell.Text;

        public void AddBases()
        {
            into.Bases.Add(Text.Append(cwd));
            var previous = into.Bases[0];
            foreach (var directory in shell.ChangedDirectories)
            {
                // As for redirects: after a cd, a relative path may be relative to any directory the line moved to.
                var chained = Resolve(shell[directory], Text[previous]);
                into.Bases.Add(chained);
                into.Bases.Add(Resolve(shell[directory], cwd));
                previous = chained;
            }
        }

        private TextRange Resolve(ReadOnlySpan<char> path, ReadOnlySpan<char> baseDir)
        {
            if (path.StartsWith('/') || path is "~" || path.StartsWith("~/", StringComparison.Ordinal))
            {
                return PathNormalizer.NormalizeInto(path, cwd, home, userHomes, Text);
            }

            var start = Text.Length;
            Text.Append(baseDir);
            Text.Append('/');
            Text.Append(path);
            var composed = Text[Text.From(start)];
            return PathNormalizer.NormalizeInto(composed, cwd, home, userHomes, Text);
        }

        public void Command(ReadOnlySpan<ShellWord> words)
        {
            var name = CommandSimplifier.BaseName(shell[words[0].Text]);
            var first = 1;
            if (CommandFileTable.HasSubcommands(name))
            {
                first = SubcommandIndex(words);
                if (name is "git")
                {
                    GitDirectories(words[..first]);
                }
            }

            if (name is "find")
            {
                Find(words);
                return;
            }

            var spec = CommandFileTable.Find(name, first < words.Length && first > 1 ? shell[words[first - 1].Text] : []);
            if (spec is null)
            {
                Unknown(words);
                return;
            }

            new CommandArguments(this, spec, words[first..]).Read();
        }

        /// <summary>After <c>git -C x -c k=v</c>: the index after the subcommand word.</summary>
        private int SubcommandIndex(ReadOnlySpan<ShellWord> words)
        {
            var i = 1;
            while (i < words.Length && shell[words[i].Text].StartsWith('-'))
            {
                i += shell[words[i].Text] is "-C" or "-c" or "--git-dir" or "--work-tree" or "--namespace" or "--config-env" ? 2 : 1;
            }

            return Math.Min(i + 1, words.Length);
        }

        /// <summary><c>git -C DIR</c>, <c>--work-tree=DIR</c>: its file arguments may be relative to DIR too.</summary>
        private void GitDirectories(ReadOnlySpan<ShellWord> words)
        {
            for (var i = 1; i < words.Length; i++)
            {
                var text = shell[words[i].Text];
                var attached = text.StartsWith("--work-tree=", StringComparison.Ordinal);
                if (!attached && !(text is "-C" or "--work-tree" && i + 1 < words.Length))
                {
                    continue;
                }

                var directory = attached ? words[i] : words[++i];
                if (!directory.HasExpansion)
                {
                    var path = shell[directory.Text];
                    into.Bases.Add(Resolve(attached ? path["--work-tree=".Length..] : path, cwd));
                }
            }
        }

        /// <summary>A command Hookline does not know: every word may name a file (checked for ask, never allowed by it).</summary>
        private void Unknown(ReadOnlySpan<ShellWord> words)
        {
            for (var i = 1; i < words.Length; i++)
            {
                var word = words[i];
                var text = shell[word.Text];
                if (word.HasExpansion || text.Length == 0)
                {
                    continue;
                }

                if (text[0] == '-')
                {
                    var equals = text.IndexOf('=');
                    if (text.StartsWith("--", StringComparison.Ordinal) && equals > 0 && equals < text.Length - 1)
                    {
                        WithParts(new TextRange(word.Text.Start + equals + 1, text.Length - equals - 1), FileUse.Mention, word.HasGlob);
                    }

                    continue;
                }

                WithParts(word.Text, FileUse.Mention, word.HasGlob);
            }
        }

        /// <summary><c>find ROOT... EXPRESSION</c>: roots are searched; <c>-name</c>/<c>-path</c> limit the search; <c>-fprint F</c> writes.</summary>
        private void Find(ReadOnlySpan<ShellWord> words)
        {
            var i = 1;
            for (; i < words.Length && shell[words[i].Text] is var w && w.Length > 0 && w[0] is not ('-' or '(' or '!'); i++)
            {
                File(words[i], words[i].Text, FileUse.Search);
            }

            var roots = i - 1;
            for (; i < words.Length; i++)
            {
                var option = shell[words[i].Text];
                if (option is "-exec" or "-execdir" or "-ok" or "-okdir")
                {
                    while (i + 1 < words.Length && shell[words[i + 1].Text] is not (";" or "+"))
                    {
                        i++; // the command it runs is a sub-command of its own
                    }

                    continue;
                }

                if (i + 1 >= words.Length || option is not ("-name" or "-iname" or "-path" or "-ipath" or "-wholename" or "-iwholename" or "-fprint" or "-fprint0" or "-fprintf" or "-fls" or "-files0-from"))
                {
                    continue;
                }

                var negated = i > 1 && shell[words[i - 1].Text] is "!" or "-not";
                var value = words[++i];
                if (option is "-fprint" or "-fprint0" or "-fprintf" or "-fls" or "-files0-from")
                {
                    File(value, value.Text, option is "-files0-from" ? FileUse.Read : FileUse.Write);
                }
                else if (!value.HasExpansion && !negated)
                {
                    FindFilter(words, roots, shell[value.Text]);
                }
            }

            if (roots == 0)
            {
                Path(Text.Append("."), FileUse.Search, isGlob: false, isPart: false);
            }
        }

        private void FindFilter(ReadOnlySpan<ShellWord> words, int roots, ReadOnlySpan<char> filter)
        {
            for (var r = 1; r <= Math.Max(roots, 1); r++)
            {
                Filter(roots == 0 || words[r].HasExpansion ? "." : shell[words[r].Text], filter);
            }
        }

        /// <summary>A search limited to names matching <paramref name="filter"/> may read what <see cref="SearchFilter"/> says.</summary>
        public void Filter(ReadOnlySpan<char> root, ReadOnlySpan<char> filter)
        {
            if (filter.StartsWith(root, StringComparison.Ordinal) && root is not ".")
            {
                filter = filter[root.Length..].TrimStart('/'); // find -path names the root itself
            }

            var glob = SearchFilter.Append(Text, root, filter);
            if (glob.HasValue)
            {
                Path(glob, FileUse.SearchFilter, isGlob: true, isPart: false);
            }
        }

        /// <summary>A file named by (part of) a word; one only known at run time is not seen, so no allow rule covers it.</summary>
        public void File(ShellWord word, TextRange value, FileUse use)
        {
            if (!word.HasExpansion)
            {
                WithParts(value, use, word.HasGlob);
            }
            else if (use is not (FileUse.RepoRead or FileUse.Mention))
            {
                Unseen(word.Text, "a file it reads or writes is only known at run time");
            }
        }

        /// <summary>The word, and its parts after <c>=</c>, <c>:</c> and <c>@</c> (and before a first <c>:</c>).</summary>
        public void WithParts(TextRange word, FileUse use, bool hasGlob)
        {
            var text = shell[word];
            if (text.Contains("://", StringComparison.Ordinal))
            {
                return; // a URL, not a path
            }

            Path(word, use, hasGlob && IsGlob(text), isPart: false);
            for (var i = 0; i < text.Length - 1; i++)
            {
                if (text[i] is '=' or ':' or '@')
                {
                    var part = new TextRange(word.Start + i + 1, text.Length - i - 1);
                    Path(part, use, hasGlob && IsGlob(shell[part]), isPart: true);
                }
            }

            var colon = text.IndexOf(':');
            if (colon > 0)
            {
                Path(new TextRange(word.Start, colon), use, hasGlob && IsGlob(text[..colon]), isPart: true);
            }
        }

        public void Path(TextRange raw, FileUse use, bool isGlob, bool isPart)
        {
            var text = shell[raw];
            if (text.Length == 0 || text is "-")
            {
                return;
            }

            if (text[0] is '/' or '~' || into.Bases.Count == 1)
            {
                into.Items.Add(new FileArgument(PathNormalizer.NormalizeInto(text, cwd, home, userHomes, Text), use, isGlob, isPart));
                return;
            }

            for (var b = 0; b < into.Bases.Count; b++)
            {
                into.Items.Add(new FileArgument(Resolve(text, Text[into.Bases[b]]), use, isGlob, isPart));
            }
        }

        public void Unseen(TextRange word, string why) => into.MarkUnseen(word, why);

        public ShellScan Shell => shell;

        private static bool IsGlob(ReadOnlySpan<char> text) => text.IndexOfAny("*?[") >= 0;
    }

    /// <summary>One known command's arguments, read by its spec.</summary>
    private readonly ref struct CommandArguments
    {
        private readonly Scan scan;
        private readonly CommandFileSpec spec;
        private readonly ReadOnlySpan<ShellWord> words;

        public CommandArguments(Scan scan, CommandFileSpec spec, ReadOnlySpan<ShellWord> words)
        {
            this.scan = scan;
            this.spec = spec;
            this.words = words;
        }

        public void Read()
        {
            // First pass: the options that change what the operands are.
            bool dataGiven = false, writesOperands = false, recursive = spec.Operands == OperandUse.Search, targetGiven = false;
            var reader = new OptionReader(scan.Shell, words, spec);
            var operandCount = 0;
            while (reader.Next(out var item))
            {
                if (item.IsOperand)
                {
                    operandCount++;
                    RunsAssignment(item);
                    continue;
                }

                dataGiven |= reader.Is(item, spec.DataOptions);
                writesOperands |= reader.Is(item, spec.WritesOperands);
                recursive |= reader.Is(item, spec.Recursive);
                targetGiven |= reader.Is(item, spec.TargetDirectory);
                OptionValue(reader, item);
            }

            if (spec.MsBuildProperties)
            {
                MsBuildImports();
            }

            var use = spec.Operands switch
            {
                _ when writesOperands => FileUse.ReadWrite,
                OperandUse.Read when recursive => FileUse.Search,
                OperandUse.Read => FileUse.Read,
                OperandUse.Write => FileUse.Write,
                OperandUse.ReadWrite => FileUse.ReadWrite,
                OperandUse.Search => FileUse.Search,
                OperandUse.RepoRead => FileUse.RepoRead,
                _ => (FileUse?)null,
            };

            var skip = dataGiven ? 0 : spec.LeadingData;
            var files = 0;
            reader = new OptionReader(scan.Shell, words, spec);
            while (reader.Next(out var item))
            {
                if (!item.IsOperand || skip-- > 0)
                {
                    continue;
                }

                files++;
                var word = words[item.Word];
                var last = files == operandCount - (dataGiven ? 0 : spec.LeadingData);
                switch (spec.Operands)
                {
                    case OperandUse.KeyValue:
                        KeyValue(word);
                        break;
                    case OperandUse.CopyLike:
                        Operand(word, last && !targetGiven ? FileUse.Write : FileUse.Read);
                        break;
                    case OperandUse.Create when !word.HasExpansion:
                        scan.Path(word.Text, FileUse.Write, isGlob: false, isPart: true);
                        break;
                    default:
                        if (use is { } known)
                        {
                            Operand(word, known);
                        }

                        break;
                }
            }

            if (recursive && files == 0 && spec.SearchesCwdByDefault)
            {
                scan.Path(scan.Shell.Text.Append("."), FileUse.Search, isGlob: false, isPart: false);
            }

            if (recursive)
            {
                SearchFilters(files);
            }
        }

        private void Operand(ShellWord word, FileUse use)
        {
            if (use is FileUse.RepoRead && word.HasExpansion)
            {
                // git show $(git rev-parse HEAD):.env: the revision is computed, the path after the last ':' is not.
                var text = scan.Shell[word.Text];
                var colon = text.LastIndexOf(':');
                if (colon >= 0 && text[(colon + 1)..].IndexOfAny("$`") < 0)
                {
                    scan.Path(new TextRange(word.Text.Start + colon + 1, text.Length - colon - 1), use, isGlob: false, isPart: true);
                }

                return;
            }

            if (use is FileUse.RepoRead && !word.HasExpansion && GitPathspec.Read(scan.Shell[word.Text]) is var (skip, literal, excluded) && (skip > 0 || !literal))
            {
                // ':(literal).env', ':(top).env', ':/.env' name .env; '.e*' is a glob however it is quoted; ':!x' excludes.
                if (!excluded)
                {
                    var path = new TextRange(word.Text.Start + skip, word.Text.Length - skip);
                    scan.WithParts(path, use, hasGlob: !literal);
                }

                return;
            }

            scan.File(word, word.Text, use);
        }

        /// <summary><c>dotnet build /p:CustomBeforeMicrosoftCommonTargets=/tmp/x.targets</c> imports and runs that file.</summary>
        private void MsBuildImports()
        {
            for (var i = 0; i < words.Length; i++)
            {
                var text = scan.Shell[words[i].Text];
                if (MsBuildProperties.ImportsCode(text, i > 0 && MsBuildProperties.IsBareOption(scan.Shell[words[i - 1].Text])))
                {
                    scan.Unseen(words[i].Text, "this property makes MSBuild import and run a file");
                }
            }
        }

        private static bool LeavesCwd(ReadOnlySpan<char> directory, bool dynamic) =>
            dynamic || directory.StartsWith('/') || directory.StartsWith('~') || directory.Contains("..", StringComparison.Ordinal);

        /// <summary><c>make SHELL=/tmp/x</c>: a variable on the command line that picks the program it runs.</summary>
        private void RunsAssignment(in ArgumentItem item)
        {
            if (spec.RunsAssignment.Length == 0)
            {
                return;
            }

            var text = scan.Shell[words[item.Word].Text];
            var equals = text.IndexOf('=');
            if (equals <= 0)
            {
                return;
            }

            var name = text[..equals].TrimEnd(":+?!").Trim();
            foreach (var runs in spec.RunsAssignment)
            {
                if (name.SequenceEqual(runs))
                {
                    scan.Unseen(words[item.Word].Text, "this variable makes it run another program or load code");
                }
            }
        }

        private void KeyValue(ShellWord word)
        {
            var text = scan.Shell[word.Text];
            var use = text.StartsWith("if=", StringComparison.Ordinal) ? FileUse.Read : text.StartsWith("of=", StringComparison.Ordinal) ? FileUse.Write : (FileUse?)null;
            if (use is { } known && text.Length > 3)
            {
                scan.File(word, new TextRange(word.Text.Start + 3, text.Length - 3), known);
            }
        }

        private void OptionValue(OptionReader reader, ArgumentItem item)
        {
            if (reader.Is(item, spec.RunsProgram))
            {
                // pytest's "-p no:NAME" disables a plugin rather than loading one.
                if (!(item.Value.HasValue && scan.Shell[item.Value].StartsWith("no:", StringComparison.Ordinal)))
                {
                    scan.Unseen(words[item.Word].Text, "this option makes it run another program or load code");
                }
            }

            if (!item.Value.HasValue)
            {
                return;
            }

            var valueWord = words[item.ValueWord];
            if (reader.Is(item, spec.RunsInDirectory) && LeavesCwd(scan.Shell[item.Value], valueWord.HasExpansion))
            {
                scan.Unseen(valueWord.Text, "it runs the build files of a directory outside the project");
            }

            if (reader.Is(item, spec.NamesListValue) && scan.Shell[item.Value] is "-" or "/dev/stdin")
            {
                // Any file at all: where a file rule protects something, ask.
                scan.Unseen(valueWord.Text, "it reads the names of the files it reads from stdin");
                scan.Path(scan.Shell.Text.Append("/**"), FileUse.Mention, isGlob: true, isPart: false);
            }

            var use = reader.Is(item, spec.WritesValue) || reader.Is(item, spec.TargetDirectory) ? FileUse.Write
                : reader.Is(item, spec.ReadsValue) ? FileUse.Read
                : reader.Is(item, spec.FilterValue) || reader.Is(item, spec.TypedFilterValue) || reader.Is(item, spec.NameThenValue) ? (FileUse?)null
                : FileUse.Mention;
            if (use is { } known)
            {
                scan.File(valueWord, item.Value, known);
            }
        }

        /// <summary>A search limited to names (<c>--include=.env*</c>) reads <c>root/**/NAME</c> for each root.</summary>
        private void SearchFilters(int roots)
        {
            var reader = new OptionReader(scan.Shell, words, spec);
            while (reader.Next(out var item))
            {
                if (item.IsOperand || !item.Value.HasValue || !(reader.Is(item, spec.FilterValue) || reader.Is(item, spec.TypedFilterValue)))
                {
                    continue;
                }

                var filter = scan.Shell[item.Value];
                if (filter.Length == 0 || filter[0] == '!' || words[item.ValueWord].HasExpansion)
                {
                    continue;
                }

                if (reader.Is(item, spec.TypedFilterValue))
                {
                    // rg --type-add 'NAME:GLOB,GLOB' (or NAME:include:OTHER): each glob limits a search like -g.
                    filter = filter[(filter.IndexOf(':') + 1)..];
                    foreach (var range in filter.Split(','))
                    {
                        if (filter[range].Length > 0 && !filter[range].StartsWith("include:", StringComparison.Ordinal))
                        {
                            FilterRoots(filter[range], roots);
                        }
                    }

                    continue;
                }

                FilterRoots(filter, roots);
            }
        }

        private void FilterRoots(ReadOnlySpan<char> filter, int roots)
        {
            var rootReader = new OptionReader(scan.Shell, words, spec);
            var skip = spec.LeadingData;
            var any = false;
            while (rootReader.Next(out var root))
            {
                if (root.IsOperand && skip-- <= 0 && !words[root.Word].HasExpansion)
                {
                    any = true;
                    scan.Filter(scan.Shell[words[root.Word].Text], filter);
                }
            }

            if (!any || roots == 0)
            {
                scan.Filter(".", filter);
            }
        }
    }
}
