using Hookline.Policy.Internal;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>
/// The attacker's review of the merged engine: file arguments hidden behind two-word options, name lists, staging,
/// pathspec magic and git -C; options spelled as the program also accepts them; chmod and dd read by meaning.
/// </summary>
public class ReviewFileArgumentTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        default: allow
        rules:
          - {id: secrets, effect: deny, match: ["Read(**/.env)", "Read(~/.ssh/**)", "Read(**/*.pem)"]}
          - {id: system, effect: deny, match: ["Edit(//etc/**)", "Edit(~/.ssh/**)"]}
          - {id: disk, effect: deny, match: ["Bash(dd *of=/dev/*)", "Bash(chmod -R 777 *)"]}
          - id: tools
            effect: allow
            match: ["Bash(jq *)", "Bash(sort *)", "Bash(grep *)", "Bash(rg *)", "Bash(git *)", "Bash(mkdir *)", "Bash(make *)",
                    "Bash(go test *)", "Bash(go build *)", "Bash(pytest *)", "Bash(dotnet build*)", "Bash(npm run *)", "Bash(npm test*)", "Bash(echo *)"]
          - {id: project, effect: allow, match: ["Read(./**)", "Edit(./src/**)", "Write(./src/**)"]}
        """);

    [Theory]
    [InlineData("jq -n --rawfile a ~/.ssh/id_rsa '$a'")]
    [InlineData("jq -n --rawfile a .env '$a'")]
    [InlineData("jq -n --slurpfile a x.pem '$a'")]
    [InlineData("jq -n --argfile a .env '$a'")]
    [InlineData("grep --fil=.env README.md")]
    [InlineData("xargs -a ~/.ssh/id_rsa echo")]
    [InlineData("xargs --arg-file=.env echo")]
    [InlineData("git show $(git rev-parse HEAD):.env")]
    [InlineData("git add -f .env && git diff --cached")]
    [InlineData("git add -N .env && git diff")]
    [InlineData("git diff HEAD -- ':(literal).env'")]
    [InlineData("git log -p -- ':(top).env'")]
    [InlineData("git log -p -- ':/.env'")]
    [InlineData("git -C ~/.ssh diff --no-index id_rsa /dev/null")]
    [InlineData("git --work-tree=/home/dev/.ssh diff --no-index id_rsa /dev/null")]
    [InlineData("mkdir -p ~/.ssh/x")]
    [InlineData("mkdir /etc/x")]
    [InlineData("dd if=/dev/zero of=~root/../../dev/sda")]
    [InlineData("cd /dev && dd if=/dev/zero of=sda")]
    [InlineData("cd / && cd dev && dd if=/dev/zero of=sda")]
    [InlineData("chmod -R u=rwx,g=rwx,o=rwx /")]
    [InlineData("chmod -R a+rwx /srv")]
    [InlineData("chmod -R 1777 /")]
    [InlineData("chmod -R u=rwx,go+rwx /srv")]
    public void Hidden_file_arguments_and_spellings_are_denied(string command) =>
        Assert.Equal(Effect.Deny, Policy.Decide(Bash(command)));

    [Theory]
    [InlineData("dd if=/dev/zero of=/proc/self/cwd/sda")]
    [InlineData("dd if=/dev/zero of=sda")]
    public void Dd_paths_resolve_against_the_working_directory(string command) =>
        Assert.Equal(Effect.Deny, Policy.Decide(Bash(command, cwd: "/dev")));

    [Theory]
    [InlineData("git log -p -- '.e*'")]
    [InlineData("rg --type-add 'e:.env' -te KEY")]
    [InlineData("rg --type-add 'e:*.md,*.pem' -te KEY")]
    [InlineData("echo -ne '.env\\0' | sort --files0-from=-")]
    public void A_protected_file_the_engine_cannot_be_sure_about_asks(string command) =>
        Assert.Equal(Effect.Ask, Policy.Decide(Bash(command)));

    [Theory]
    [InlineData("sort --compress-prog=/tmp/x big")]
    [InlineData("go test --exec /tmp/x ./...")]
    [InlineData("go build --toolexec=/tmp/x ./...")]
    [InlineData("pytest -o addopts='-p evil' tests")]
    [InlineData("pytest --override-ini=addopts=-pevil tests")]
    [InlineData("make SHELL=/tmp/x all")]
    [InlineData("make .SHELLFLAGS:='-c id' all")]
    [InlineData("dotnet build /p:CustomBeforeMicrosoftCommonTargets=/tmp/evil.targets")]
    [InlineData("dotnet build -p CustomAfterMicrosoftCommonTargets=/tmp/e.targets")]
    [InlineData("dotnet build --property:MSBuildExtensionsPath=/tmp/x")]
    [InlineData("npm run build --script-shel /tmp/evil")]
    [InlineData("make -C /tmp/evil")]
    [InlineData("make --directory=../other all")]
    public void Code_running_options_in_any_accepted_spelling_withhold_the_allow(string command)
    {
        var decision = Policy.Evaluate(Bash(command));
        Assert.Equal(Effect.Allow, decision.Effect);
        Assert.NotEqual(ReasonCodes.Rule, decision.ReasonCode); // the allow rule does not decide it
    }

    [Theory]
    [InlineData("make --ev '$(shell id)'")]
    [InlineData("make --eva='$(info x)' all")]
    public void Abbreviated_make_eval_is_inline_code_and_asks(string command)
    {
        var decision = Policy.Evaluate(Bash(command));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.OpaqueCode, decision.ReasonCode);
    }

    [Theory]
    [InlineData("jq --arg name .env '.[$name]' src/a.json")]
    [InlineData("jq -n --rawfile t src/README.md '$t'")]
    [InlineData("git add src/app.ts")]
    [InlineData("git add -A")]
    [InlineData("git diff HEAD -- . ':!.env'")]
    [InlineData("mkdir -p src/new")]
    [InlineData("make CFLAGS=-O2 all")]
    [InlineData("make -C docs html")]
    [InlineData("dotnet build -p:Version=1.2.3")]
    [InlineData("npm run build --silent")]
    public void Look_alikes_stay_allowed(string command)
    {
        var decision = Policy.Evaluate(Bash(command));
        Assert.Equal(Effect.Allow, decision.Effect);
        Assert.Equal(ReasonCodes.Rule, decision.ReasonCode);
    }
}
