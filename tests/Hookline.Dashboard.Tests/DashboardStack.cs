using System.Text.RegularExpressions;

namespace Hookline.Dashboard.Tests;

/// <summary>A real <c>hookline server</c> + <c>hookline sidecar</c> and the server's HTTP base URL, as printed at start.</summary>
internal sealed partial class DashboardStack : IAsyncDisposable
{
    private DashboardStack(ProcessStack stack, string httpUrl)
    {
        Stack = stack;
        HttpUrl = httpUrl;
    }

    public ProcessStack Stack { get; }

    public string HttpUrl { get; }

    public string PolicyFile => Path.Combine(Stack.Directory, "policy.yaml");

    public string DataDirectory => Path.Combine(Stack.Directory, "data");

    public static async Task<DashboardStack> StartAsync()
    {
        // A budget far above any decision time, even on a loaded machine: the server's answer is what the agent gets, so
        // no late "applied" report rewrites a stored row between two reads of a test.
        var stack = await ProcessStack.StartAsync(budgetMs: 5000);
        var match = HttpOn().Match(stack.Server!.Output);
        Assert.True(match.Success, "the server prints its HTTP address:\n" + stack.Server.Output);
        return new DashboardStack(stack, match.Groups[1].Value);
    }

    public Task<HookRun> FireAsync(string command) => HookRun.SpawnAsync(Stack.SocketPath, "pre-tool-use", HookRun.Bash(command));

    public ValueTask DisposeAsync() => Stack.DisposeAsync();

    [GeneratedRegex(@"HTTP on (http://\S+?),")]
    private static partial Regex HttpOn();
}
