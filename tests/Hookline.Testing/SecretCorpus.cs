namespace Hookline.Testing;

/// <summary>Realistic commands with secrets in them (all fake), and the secrets that must never be stored.</summary>
public static class SecretCorpus
{
    public static readonly (string Command, string[] Secrets)[] Commands =
    [
        ("curl -H \"Authorization: Bearer abcDEF123tokenXYZ987\" https://api.example.com/v1/items", ["abcDEF123tokenXYZ987"]),
        ("curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==' https://x.example.com", ["dXNlcjpwYXNzd29yZDEyMw=="]),
        ("git clone https://alice:S3cr3tPassw0rd@github.com/org/repo.git", ["S3cr3tPassw0rd"]),
        ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]),
        ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE && aws s3 ls", ["AKIAIOSFODNN7EXAMPLE"]),
        ("psql postgres://app:pgPassW0rd42@db.internal:5432/prod -c 'select 1'", ["pgPassW0rd42"]),
        ("echo \"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAexampleKeyMaterial1234567890\n-----END RSA PRIVATE KEY-----\" > key.pem", ["MIIEowIBAAKCAQEAexampleKeyMaterial1234567890"]),
        ("GITHUB_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456 gh pr list", ["ghp_1234567890abcdefghijABCDEFGHIJ123456"]),
        ("gh auth login --with-token <<< gho_abcdefghijABCDEFGHIJ0123456789abcdef", ["gho_abcdefghijABCDEFGHIJ0123456789abcdef"]),
        ("git push https://x-access-token:github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV@github.com/o/r.git",
            ["github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"]),
        ("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD python app.py", ["sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"]),
        ("curl https://api.anthropic.com/v1/messages -H \"x-api-key: sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-ABCDEFG\"",
            ["sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-ABCDEFG"]),
        ("curl -X POST https://slack.com/api/chat.postMessage -H \"Authorization: Bearer xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\"",
            ["xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"]),
        ("npm config set //registry.npmjs.org/:_authToken npm_abcdefghijklmnopqrstuvwxyz0123456789", ["npm_abcdefghijklmnopqrstuvwxyz0123456789"]),
        ("curl \"https://maps.googleapis.com/maps/api/geocode/json?address=x&key=AIzaSyA1234567890abcdefghijklmnopqrstuv\"", ["AIzaSyA1234567890abcdefghijklmnopqrstuv"]),
        ("curl -H \"Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\" https://api.example.com",
            ["eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"]),
        ("mysql -u root -pMyS3cretDbPass -h db.local app", ["MyS3cretDbPass"]),
        ("docker login -u deploy --password dockerHubPass123 registry.example.com", ["dockerHubPass123"]),
        ("./deploy.sh --token=deployTok3n_abcdef123 --env prod", ["deployTok3n_abcdef123"]),
        ("vault login -method=userpass username=ops password=VaultPa55word!", ["VaultPa55word!"]),
        ("DB_PASSWORD='hunter2-but-longer' npm run migrate", ["hunter2-but-longer"]),
        ("export STRIPE_SECRET_KEY=rk_live_51Habcdefghijklmnop", ["rk_live_51Habcdefghijklmnop"]),
        ("heroku config:set API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0 -a app", ["9f8e7d6c5b4a39281706f5e4d3c2b1a0"]),
        ("curl -u admin:AdminPassw0rd! https://jenkins.example.com/api/json", ["AdminPassw0rd!"]),
        ("redis-cli -u redis://default:r3d1sPassw0rd@cache.example.com:6379 ping", ["r3d1sPassw0rd"]),
        ("mongosh \"mongodb+srv://dbuser:M0ngoPassw0rd@cluster0.example.mongodb.net/test\"", ["M0ngoPassw0rd"]),
        ("printf '[default]\\naws_secret_access_key = Zx9+Yw8/Vu7Ts6Rq5Po4Nm3Lk2Ji1HgFeDcBaEXAM\\n' > ~/.aws/credentials", ["Zx9+Yw8/Vu7Ts6Rq5Po4Nm3Lk2Ji1HgFeDcBaEXAM"]),
        ("echo 'SLACK_WEBHOOK_SECRET=whsec_abcdef0123456789' >> .env", ["whsec_abcdef0123456789"]),
        ("pip install --index-url https://__token__:pypi-AgEIcHlwaS5vcmcCJDEyMzQ1Njc4@upload.pypi.org/simple pkg", ["pypi-AgEIcHlwaS5vcmcCJDEyMzQ1Njc4"]),
        ("kubectl create secret generic db --from-literal=password=K8sS3cretValue", ["K8sS3cretValue"]),
        ("terraform apply -var \"db_password=TfPassw0rd123\"", ["TfPassw0rd123"]),
        ("ANTHROPIC_API_KEY=sk-ant-api03-ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxw claude -p hi", ["sk-ant-api03-ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxw"]),
        ("git remote set-url origin https://oauth2:glpat-abcdefghij1234567890@gitlab.com/g/p.git", ["glpat-abcdefghij1234567890"]),
        ("curl -H \"Proxy-Authorization: Basic cHJveHk6cHJveHlwYXNz\" http://example.com", ["cHJveHk6cHJveHlwYXNz"]),
        ("http POST api.example.com/login Authorization:\"Token tok_live_abcdef123456\"", ["tok_live_abcdef123456"]),
        ("ssh-add - <<< \"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\"", ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"]),
        ("echo '{\"type\":\"service_account\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7exampleGcpKey\\n-----END PRIVATE KEY-----\\n\"}' > sa.json",
            ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7exampleGcpKey"]),
        ("SENTRY_AUTH_TOKEN=sntrys_abcdefghijklmnop123456 sentry-cli releases new v1", ["sntrys_abcdefghijklmnop123456"]),
        ("export GOOGLE_API_KEY=AIzaSyB0987654321zyxwvutsrqponmlkjihgfe", ["AIzaSyB0987654321zyxwvutsrqponmlkjihgfe"]),
        ("curl -d \"client_id=app&client_secret=cl1entS3cretValue99\" https://auth.example.com/token", ["cl1entS3cretValue99"]),
        ("npx wrangler deploy --api-token cfTokenValue1234567890", ["cfTokenValue1234567890"]),
        ("export NPM_TOKEN=npm_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210 && npm publish", ["npm_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210"]),

        // Issue 13: named secrets the first redactor missed.
        ("printf 'db:\n  host: db.internal\n  password: yamlPassw0rd42\n' > config.yml", ["yamlPassw0rd42"]),
        ("cat > app.ini <<EOF\n[database]\npassword = iniPassw0rd77\nEOF", ["iniPassw0rd77"]),
        ("curl -H \"X-Api-Key: xApiK3yValue9876\" https://api.example.com/v2/items", ["xApiK3yValue9876"]),
        ("curl --header 'PRIVATE-TOKEN: gitlabPrivTok3nValue' https://gitlab.example.com/api/v4/projects", ["gitlabPrivTok3nValue"]),
        ("sshpass -p 'Sshpa55wordValue' ssh deploy@build.example.com uptime", ["Sshpa55wordValue"]),
        ("sshpass -pGluedSshPa55 scp dist.tgz deploy@host:/srv", ["GluedSshPa55"]),
        ("docker login -u deploy -p DockerLoginPa55 registry.example.com", ["DockerLoginPa55"]),
        ("openssl rsa -in key.pem -passin pass:OpensslPassIn42 -out plain.pem", ["OpensslPassIn42"]),
        ("openssl pkcs12 -export -in c.pem -out c.p12 -passout 'pass:OpensslPassOut42'", ["OpensslPassOut42"]),
        ("aws configure set aws_secret_access_key wJalrXUtnFEMIConfigureSetEXAMPLEKEY0", ["wJalrXUtnFEMIConfigureSetEXAMPLEKEY0"]),
        ("echo sk_live_51HabcdefghijklmnopqrsTUVwxyz > stripe.key", ["sk_live_51HabcdefghijklmnopqrsTUVwxyz"]),
        ("python train.py --push-to-hub && echo hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567", ["hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"]),
        ("echo glpat-Zyxwvutsrqponm987654 | glab auth login --stdin", ["glpat-Zyxwvutsrqponm987654"]),
        ("git clone https://alice:p@ssw0rdWithAt@github.com/org/repo.git", ["p@ssw0rdWithAt", "ssw0rdWithAt"]),
    ];

    /// <summary>JSON payloads (tool inputs) whose secrets only a JSON-aware walk finds: JSON inside a JSON string.</summary>
    public static readonly (string Json, string[] Secrets)[] Documents =
    [
        ("""{"file_path":"/srv/app.json","content":"{\"service\":\"db\",\"password\":\"nestedJs0nPass\"}"}""", ["nestedJs0nPass"]),
        ("""{"command":"deploy","payload":"[{\"name\":\"x\",\"api_key\":987654321987}]"}""", ["987654321987"]),
        ("""{"content":"{\"outer\":\"{\\\"client_secret\\\":\\\"twiceNestedS3cret\\\"}\"}"}""", ["twiceNestedS3cret"]),
    ];

    /// <summary>A prompt and tool output with secrets: they are stored too, and redacted the same way.</summary>
    public const string Prompt = "use my key sk-proj-PROMPTabcdefghijklmnopqrstuvwxyz12 to call the API";
    public const string PromptSecret = "sk-proj-PROMPTabcdefghijklmnopqrstuvwxyz12";
    public const string ToolOutput = "DATABASE_URL=postgres://u:envDbPassw0rd@h/db\nJWT_SECRET=jwtS3cretValue123\n";
    public static readonly string[] ToolOutputSecrets = ["envDbPassw0rd", "jwtS3cretValue123"];

    public static IEnumerable<string> AllSecrets =>
        Commands.SelectMany(c => c.Secrets).Concat(Documents.SelectMany(d => d.Secrets)).Append(PromptSecret).Concat(ToolOutputSecrets);

    /// <summary>Cases of the corpus as theory data: the text and the secrets it holds.</summary>
    public static TheoryData<string, string[]> Theory((string Text, string[] Secrets)[] cases)
    {
        var data = new TheoryData<string, string[]>();
        foreach (var (text, secrets) in cases)
        {
            data.Add(text, secrets);
        }

        return data;
    }

    /// <summary>What to look for in stored or served bytes: the secret, and its longest letters-and-digits run (JSON and HTML may escape a '+' or '/' around it).</summary>
    public static IEnumerable<string> Needles(string secret)
    {
        yield return secret;
        var run = secret.Split(secret.Where(c => !char.IsAsciiLetterOrDigit(c)).Distinct().ToArray()).MaxBy(r => r.Length)!;
        if (run.Length >= 8 && run != secret)
        {
            yield return run;
        }
    }

    /// <summary>Ordinary commands: no hint of a secret, so they are stored exactly as written.</summary>
    public static readonly string[] Ordinary =
    [
        "ls -la", "git status", "git push -u origin main", "npm run test -- --watch", "sort -u names.txt", "ssh -p 2222 build.example.com",
        "export PATH=/usr/local/bin:$PATH", "curl https://example.com/api?page=2", "mkdir -p src/keys", "grep -rn \"TODO\" src",
        "docker run -p 8080:80 nginx", "git log --author=alice --oneline", "python -m http.server 8000", "echo MAX_TOKENS=100",
        "kubectl get secrets -n prod", "curl http://localhost:8080/health", "git clone git@github.com:org/repo.git", "tar -czf keys.tgz keys/",
        "pytest -k \"token and not slow\"", "echo \"password reset flow\" >> notes.md", "cat ~/.ssh/known_hosts", "dotnet test -c Release",
        "docker run --rm -v $PWD:/app -w /app node:22 npm ci", "docker login registry.example.com", "aws configure list",
        "openssl rsa -in key.pem -passin env:KEY_PASS -noout", "grep -rn \"password:\" config/", "git log --pretty=format:%an",
        "python -c \"import sklearn\"", "echo \"contact: ops@example.com\"", "ssh -p 2222 alice@build.example.com",
    ];
}
