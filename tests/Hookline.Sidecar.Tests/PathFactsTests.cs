using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Paths;

namespace Hookline.Sidecar.Tests;

/// <summary>The sidecar's file system lookups for a tool's paths: real paths, ~user homes, and a hard time bound.</summary>
public sealed class PathFactsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static HookEvent Read(string path, string cwd) => new()
    {
        ToolName = "Read",
        Cwd = cwd,
        ToolInput = ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(new { file_path = path })),
    };

    [Fact]
    public async Task A_file_system_that_hangs_costs_the_hook_its_budget_and_no_more()
    {
        using var hung = new ManualResetEventSlim();
        var facts = new PathFacts(TimeSpan.FromMilliseconds(50), null, TimeProvider.System)
        {
            Resolve = (_, _) =>
            {
                hung.Wait(TimeSpan.FromMinutes(1), CancellationToken.None); // a dead network mount: stat does not return, cancelled or not
                return "/never";
            },
        };
        var hookEvent = Read("/mnt/dead/file.txt", _dir.Path);
        var started = TimeProvider.System.GetTimestamp();

        await facts.AddFileFactsAsync(hookEvent).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var waited = TimeProvider.System.GetElapsedTime(started);
        hung.Set();
        Assert.True(waited < TimeSpan.FromSeconds(5), $"the lookup held the hook for {waited}");
        Assert.Empty(hookEvent.ResolvedPaths);
        Assert.Equal(1, facts.TimedOut);
    }

    [Fact]
    public async Task Links_through_directories_and_files_are_resolved_and_a_missing_tail_is_kept()
    {
        var real = Directory.CreateDirectory(_dir.File("real")).FullName;
        await File.WriteAllTextAsync(Path.Combine(real, "a.txt"), "x");
        Directory.CreateSymbolicLink(_dir.File("dirlink"), real);
        File.CreateSymbolicLink(_dir.File("filelink"), Path.Combine(real, "a.txt"));
        var facts = new PathFacts(TimeSpan.FromSeconds(5), null, TimeProvider.System);

        var throughDirectory = Read("dirlink/a.txt", _dir.Path);
        var throughFile = Read(_dir.File("filelink"), _dir.Path);
        var newFile = Read("dirlink/new/b.txt", _dir.Path);
        var plain = Read(Path.Combine(real, "a.txt"), _dir.Path);
        foreach (var e in new[] { throughDirectory, throughFile, newFile, plain })
        {
            await facts.AddFileFactsAsync(e);
        }

        Assert.Equal([Path.Combine(real, "a.txt")], throughDirectory.ResolvedPaths);
        Assert.Equal([Path.Combine(real, "a.txt")], throughFile.ResolvedPaths);
        Assert.Equal([Path.Combine(real, "new", "b.txt")], newFile.ResolvedPaths);
        Assert.Empty(plain.ResolvedPaths);
    }

    [Fact]
    public async Task A_tilde_user_path_reports_that_user_s_home()
    {
        var facts = new PathFacts(TimeSpan.FromSeconds(5), null, TimeProvider.System);
        var hookEvent = Read("~root/.ssh/id_rsa", _dir.Path);

        await facts.AddFileFactsAsync(hookEvent);

        Assert.Equal("/root", hookEvent.UserHomes["root"]);
    }

    [Fact]
    public void The_project_root_is_the_first_working_directory_of_the_session()
    {
        var facts = new PathFacts(TimeSpan.FromSeconds(5), null, TimeProvider.System);
        var first = new HookEvent { Cwd = "/home/dev/proj" };
        var later = new HookEvent { Cwd = "/" };
        facts.AddIdentity(first);
        facts.AddIdentity(later);
        Assert.Equal(("/home/dev/proj", "/home/dev/proj"), (first.ProjectDirectory, later.ProjectDirectory));
    }
}
