namespace Hookline.Server;

/// <summary>The policy a server enforces when it is given none: blocks the obviously destructive, asks before publishing.</summary>
public static class DefaultPolicy
{
    public const string Yaml = """
        # Hookline built-in default policy. Pass --policy FILE to enforce your own.
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
          - id: confirm-push
            effect: ask
            match: "Bash(git push *)"
            reason: "Pushing needs a human's approval"
        """;
}
