namespace Hookline.LoadTool.Fixtures;

/// <summary>A realistic team policy of 20 rules: what the load runs evaluate for every event.</summary>
internal static class BenchPolicy
{
    public const string Yaml = """
        version: 1
        default: allow
        rules:
          - id: no-force-delete
            effect: deny
            match: ["Bash(rm -rf *)", "Bash(rm -fr *)"]
            reason: "Recursive force delete is blocked"
          - id: no-disk-wipe
            effect: deny
            match: ["Bash(mkfs *)", "Bash(dd * of=/dev/*)"]
            reason: "Writing raw disks is blocked"
          - id: no-secret-read
            effect: deny
            match: ["Read(./.env)", "Read(./.env.*)", "Read(~/.ssh/**)", "Read(~/.aws/credentials)"]
            reason: "Reading secrets is blocked"
          - id: no-secret-edit
            effect: deny
            match: ["Edit(./.env)", "Edit(./.env.*)", "Write(./.env)", "Write(~/.ssh/**)"]
            reason: "Secrets are not edited by agents"
          - id: no-system-edit
            effect: deny
            match: ["Edit(//etc/**)", "Write(//etc/**)", "Edit(//usr/**)"]
            reason: "System files are off limits"
          - id: no-curl-pipe-shell
            effect: deny
            match: ["Bash(curl * | sh)", "Bash(curl * | bash)", "Bash(wget * | sh)"]
            reason: "Piping downloads into a shell is blocked"
          - id: no-sudo
            effect: deny
            match: ["Bash(sudo *)", "Bash(su *)"]
            reason: "No privilege escalation"
          - id: no-chmod-world
            effect: deny
            match: ["Bash(chmod 777 *)", "Bash(chmod -R 777 *)"]
            reason: "World-writable files are blocked"
          - id: no-history-rewrite
            effect: deny
            match: ["Bash(git push --force *)", "Bash(git push -f *)", "Bash(git reset --hard *)"]
            reason: "Rewriting shared history is blocked"
          - id: confirm-push
            effect: ask
            match: ["Bash(git push *)", "Bash(git push)"]
            reason: "Pushing needs a human's approval"
          - id: confirm-publish
            effect: ask
            match: ["Bash(npm publish *)", "Bash(dotnet nuget push *)", "Bash(cargo publish *)"]
            reason: "Publishing packages needs approval"
          - id: confirm-deploy
            effect: ask
            match: ["Bash(kubectl apply *)", "Bash(kubectl delete *)", "Bash(terraform apply *)"]
            reason: "Changing infrastructure needs approval"
          - id: confirm-docker-run
            effect: ask
            match: ["Bash(docker run *)", "Bash(docker rm *)"]
            reason: "Containers need approval"
          - id: confirm-unknown-hosts
            effect: ask
            match: ["WebFetch(domain:*.pastebin.com)", "WebFetch(domain:*.ngrok.io)"]
            reason: "Fetching from paste or tunnel hosts needs approval"
          - id: allow-docs-fetch
            effect: allow
            match: ["WebFetch(domain:learn.microsoft.com)", "WebFetch(domain:docs.github.com)"]
            reason: "Documentation hosts are fine"
          - id: git-read-only
            effect: allow
            match: ["Bash(git status)", "Bash(git diff *)", "Bash(git log *)", "Bash(git show *)"]
            reason: "Read-only git is always fine"
          - id: build-and-test
            effect: allow
            match: ["Bash(dotnet build *)", "Bash(dotnet test *)", "Bash(npm test *)", "Bash(make *)"]
            reason: "Building and testing is fine"
          - id: read-sources
            effect: allow
            match: ["Read(./src/**)", "Read(./tests/**)", "Read(./docs/**)"]
            reason: "Reading the project is fine"
          - id: no-mcp-admin
            effect: deny
            match: ["mcp__admin__*"]
            reason: "Admin MCP tools are blocked"
          - id: confirm-mcp-write
            effect: ask
            match: ["mcp__github__create_*", "mcp__github__merge_*"]
            reason: "Writing to GitHub needs approval"
        """;

    public static string WriteTo(string directory)
    {
        var path = Path.Combine(directory, "bench-policy.yaml");
        File.WriteAllText(path, Yaml);
        return path;
    }
}
