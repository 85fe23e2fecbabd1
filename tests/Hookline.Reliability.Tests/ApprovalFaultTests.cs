using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Hookline.Reliability.Tests;

/// <summary>
/// Approvals under faults, with the published binaries: a hook (the real hookline-hook) waits on a pending approval
/// while its server is SIGKILLed and restarted, while its replica dies and the other takes the stream, or while the
/// answer is given on another replica. Whatever happens, nothing is allowed unless a person approved it, and every
/// answer and timeout is in the audit trail, chained.
/// </summary>
public sealed class ApprovalFaultTests
{
    // Inside HookRun's 30 s bound: a person "answers" well before, a timeout test waits for it.
    private const string Policy = """
        version: 1
        default: allow
        rules:
          - id: prod-deploys
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [any-approver], timeout: 25s, on_timeout: deny}
          - id: quick
            effect: ask
            match: "Bash(helm *)"
            approval: {by: [any-approver], timeout: 4s, on_timeout: deny}
        """;

    // The sidecar's budget: the pending answer must come back within it, or the local decision applies on_timeout.
    // Generous, as the machines running these tests are small and busy; a missed budget would deny, never allow.
    private const int BudgetMs = 3000;

    [Fact]
    public async Task A_server_SIGKILLed_and_restarted_while_a_hook_waits_keeps_the_approval_and_the_approval_given_after_it_runs_the_call()
    {
        await using var stack = await StartSqliteStackAsync(failMode: "closed");
        var waiting = HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("kubectl apply -f app.yaml --context prod-eu"), approvalWait: true);
        var approval = await PendingAsync(stack.HttpUrl);

        await stack.KillServerAsync(); // SIGKILL: the pending row is all that is left of the approval
        await stack.StartServerAsync(); // same data directory, same ports: the sidecar reconnects and resumes its wait
        var answer = await CliRun.RunAsync(["approvals", "approve", approval, "--server", stack.HttpUrl, "--reason", "release 42"]);
        Assert.True(answer.Exit == 0, answer.Stdout + answer.Stderr);

        var run = await waiting;
        Assert.True(run.ExitCode == 0 && run.PermissionDecision == "allow", $"exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
        await AssertAuditAsync(stack, approval, "approved", answerRows: 1);
    }

    [Fact]
    public async Task With_the_server_gone_for_good_a_waiting_hook_gets_on_timeout_even_in_fail_open_mode()
    {
        await using var stack = await StartSqliteStackAsync(failMode: "open");
        var waiting = HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("helm upgrade api ./chart"), failMode: "open", approvalWait: true);
        await PendingAsync(stack.HttpUrl);

        await stack.KillServerAsync();
        var run = await waiting;

        // The sidecar holds the hook to the approval's deadline and applies on_timeout: the fail mode (open) never
        // decides a pending call, and the local snapshot cannot approve.
        Assert.True(run.ExitCode == 0 && run.PermissionDecision == "deny", $"exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
        Assert.Contains("no answer from any-approver", run.Stdout);
    }

    [SkippableFact]
    public async Task On_two_replicas_an_answer_on_either_resolves_the_hook_and_a_replica_killed_mid_wait_hands_the_wait_to_the_other()
    {
        await using var stack = await ReplicaStack.StartAsync(2, Policy);
        var (a, b) = (stack.Replicas[0], stack.Replicas[1]);
        var sidecar = await stack.StartSidecarAsync("approvals", BudgetMs, a.Url, b.Url);

        // Denied on B while the sidecar's stream is on A: LISTEN/NOTIFY carries the answer across.
        var denied = HookRun.SpawnAsync(sidecar.SocketPath, "pre-tool-use", HookRun.Bash("kubectl delete ns payments --context prod-us"), approvalWait: true);
        var first = await PendingAsync(b.HttpUrl);
        var deny = await CliRun.RunAsync(["approvals", "deny", first, "--server", b.HttpUrl, "--reason", "change freeze until Monday"]);
        Assert.True(deny.Exit == 0, deny.Stdout + deny.Stderr);
        var deniedRun = await denied;
        Assert.True(deniedRun.ExitCode == 0 && deniedRun.PermissionDecision == "deny", $"exit {deniedRun.ExitCode}: {deniedRun.Stdout}{deniedRun.Stderr}");
        Assert.Contains("change freeze until Monday", deniedRun.Stdout);

        // A dies while a hook waits; the sidecar fails over to B and resumes the wait there; B takes the answer.
        var approved = HookRun.SpawnAsync(sidecar.SocketPath, "pre-tool-use", HookRun.Bash("kubectl rollout restart deploy/api --context prod-us"), approvalWait: true);
        var second = await PendingAsync(b.HttpUrl);
        await stack.KillAsync(a);
        var approve = await CliRun.RunAsync(["approvals", "approve", second, "--server", b.HttpUrl]);
        Assert.True(approve.Exit == 0, approve.Stdout + approve.Stderr);
        var approvedRun = await approved;
        Assert.True(approvedRun.ExitCode == 0 && approvedRun.PermissionDecision == "allow", $"exit {approvedRun.ExitCode}: {approvedRun.Stdout}{approvedRun.Stderr}");

        await using var connection = new NpgsqlConnection(stack.Database.ConnectionString);
        await connection.OpenAsync();
        await using var rows = new NpgsqlCommand("SELECT id, status, answered_by IS NOT NULL FROM approvals ORDER BY created_at_ms", connection);
        await using var reader = await rows.ExecuteReaderAsync();
        var statuses = new List<string>();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetString(0) + "=" + reader.GetString(1));
        }
        Assert.Equal([first + "=denied", second + "=approved"], statuses);
        var verify = await CliRun.RunAsync(["verify", "--postgres", stack.Database.ConnectionString]);
        Assert.True(verify.Exit == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("0 broken", verify.Stdout);
    }

    private static async Task<ProcessStack> StartSqliteStackAsync(string failMode)
    {
        var stack = await ProcessStack.StartAsync(withServer: false, failMode: failMode, budgetMs: BudgetMs, withSidecar: false);
        await File.WriteAllTextAsync(Path.Combine(stack.Directory, "policy.yaml"), Policy);
        await stack.StartServerAsync();
        await stack.StartSidecarAsync();
        return stack;
    }

    /// <summary>The id of the one pending approval, once the server shows it.</summary>
    private static async Task<string> PendingAsync(string httpUrl)
    {
        string? id = null;
        var last = "";
        await Eventually.TrueAsync(async () =>
        {
            var list = await CliRun.RunAsync(["approvals", "list", "--json", "--server", httpUrl]);
            last = list.Stdout + list.Stderr;
            if (list.Exit != 0)
            {
                return false;
            }
            // One JSON object per line.
            var pending = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Where(a => a.GetProperty("status").GetString() == "pending").ToList();
            id = pending.Count == 1 ? pending[0].GetProperty("id").GetString() : null;
            return id is not null;
        }, Bound.Hang, () => "no single pending approval: " + last);
        return id!;
    }

    /// <summary>The approval's row, its answer row in the chained events, and `hookline verify` over the whole trail.</summary>
    private static async Task AssertAuditAsync(ProcessStack stack, string approval, string status, int answerRows)
    {
        await Eventually.TrueAsync(async () => await stack.CountAsync("hook_event = 'ApprovalAnswer'") == answerRows,
            Bound.Hang, () => "the answer row was not stored");
        await using var connection = new SqliteConnection($"Data Source={stack.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status FROM approvals WHERE id = $id";
        command.Parameters.AddWithValue("$id", approval);
        Assert.Equal(status, (string?)await command.ExecuteScalarAsync());
        var verify = await CliRun.RunAsync(["verify", "--data", Path.Combine(stack.Directory, "data")]);
        Assert.True(verify.Exit == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("0 broken", verify.Stdout);
    }
}
