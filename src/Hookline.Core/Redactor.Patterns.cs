using System.Text.RegularExpressions;

namespace Hookline.Core;

// The patterns of Redactor. Every repetition is bounded (or linear with no nested choice), so hostile input stays
// linear in its length. A "value" group is the secret; everything before it in the match is kept.
public static partial class Redactor
{
    private const RegexOptions Plain = RegexOptions.CultureInvariant;
    private const RegexOptions AnyCase = RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;

    // Names that look secret, as the last part of a longer name: DB_PASSWORD, X-Api-Key, PRIVATE-TOKEN, client_secret...
    private const string SecretWord = "(?:password|passwd|secret|token|api[_-]?key|apikey|private[_-]?key|secret[_-]?key|access[_-]?key|credentials?|auth)";

    // The end of a secret-looking name: its closing quote, also JSON-escaped at any depth (JSON inside JSON strings).
    private const string NameEnd = @"(?:\\{0,7}[""'])?";

    // A quoted value: only its content goes, the quotes (JSON-escaped at any depth, double or single) stay.
    private const string QuotedValue = @"\\{1,7}""(?<value>[^""\\]{1,4096})|""(?<value>(?:[^""\\\n]|\\.){1,4096})""|'(?<value>[^'\n]{1,4096})'";

    [GeneratedRegex(@"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----", Plain)]
    private static partial Regex PemBegin();

    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{20,255})", Plain)]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_\-]{20,255}", Plain)]
    private static partial Regex GitLabToken();

    [GeneratedRegex(@"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", Plain)]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex(@"\bsk-ant-[A-Za-z0-9_\-]{20,1024}", Plain)]
    private static partial Regex AnthropicKey();

    [GeneratedRegex(@"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,1024}", Plain)]
    private static partial Regex OpenAiKey();

    // Stripe secret and restricted keys (pk_ keys are public).
    [GeneratedRegex(@"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,255}", Plain)]
    private static partial Regex StripeKey();

    [GeneratedRegex(@"\bhf_[A-Za-z0-9]{30,255}", Plain)]
    private static partial Regex HuggingFaceToken();

    [GeneratedRegex(@"\bxox[abposre]-[A-Za-z0-9\-]{10,1024}", Plain)]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"\bnpm_[A-Za-z0-9]{36}\b", Plain)]
    private static partial Regex NpmToken();

    [GeneratedRegex(@"\bAIza[0-9A-Za-z_\-]{35}", Plain)]
    private static partial Regex GcpApiKey();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_\-]{8,4096}\.eyJ[A-Za-z0-9_\-]{8,8192}\.[A-Za-z0-9_\-]{0,4096}", Plain)]
    private static partial Regex Jwt();

    // scheme://user:password@host: the password goes, the user and host stay. The password runs to the last '@' of
    // the authority (a password may hold '@'); it never reaches the path, query or fragment.
    [GeneratedRegex(@"(?<head>\b[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s/:@'""?#]{0,256}:)[^\s/'""?#]{1,512}@", Plain)]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"\b(?:proxy-)?authorization[""']?\s{0,8}[:=]\s{0,8}[""']?(?:(?:bearer|basic|token|digest|negotiate|apikey)\s{1,8})?(?<value>[^\s'"",;\\]{1,4096})", AnyCase)]
    private static partial Regex AuthorizationHeader();

    // --password=x, --token x, --api-key "x y", --client-secret 'x' ...
    [GeneratedRegex(@"(?<![\w-])--?(?:[a-z0-9]{1,20}-)?(?:password|passwd|pass|token|secret|api-key|apikey|api_key|access-key|secret-key|private-key|auth-token|access-token|client-secret)(?:=|\s{1,8})(?<value>""[^""]{0,4096}""|'[^']{0,4096}'|[^\s'""]{1,4096})", AnyCase)]
    private static partial Regex SecretFlag();

    // sshpass -p SECRET, docker/podman/helm registry login -p SECRET (the short -p; --password is a SecretFlag).
    [GeneratedRegex(@"\b(?:sshpass|(?:docker|podman|buildah|skopeo|nerdctl|oras|helm\s{1,8}registry)\s{1,8}login)\s(?:[^\n|;&]{0,200}?\s)?-p(?:\s{1,8}|=)?(?<value>""[^""]{0,4096}""|'[^']{0,4096}'|[^\s'""]{1,4096})", Plain)]
    private static partial Regex ToolPasswordFlag();

    // openssl ... -passin pass:SECRET / -passout pass:SECRET / -pass pass:SECRET (env:, file:, fd: name no secret).
    [GeneratedRegex(@"(?<![\w-])-pass(?:in|out)?\s{1,8}[""']?pass:(?<value>[^\s'""]{1,4096})", Plain)]
    private static partial Regex OpenSslPass();

    // aws configure set aws_secret_access_key VALUE (also profile.NAME.aws_session_token ...).
    [GeneratedRegex(@"\baws\s{1,8}configure\s{1,8}set\s{1,8}(?:--profile\s{1,8}\S{1,128}\s{1,8})?[A-Za-z0-9_.\-]{0,128}(?:secret_access_key|session_token)\s{1,8}(?<value>""[^""]{0,4096}""|'[^']{0,4096}'|[^\s'""]{1,4096})", AnyCase)]
    private static partial Regex AwsConfigureSet();

    // curl -u user:password, --user user:password
    [GeneratedRegex(@"(?<head>(?<![\w-])(?:-u\s{0,8}|--user(?:=|\s{1,8}))[""']?[^\s:'""]{1,256}:)[^\s'""]{1,4096}", Plain)]
    private static partial Regex UserPasswordFlag();

    // mysql -pSECRET (the password glued to -p; "-p" alone prompts).
    [GeneratedRegex(@"(?<head>\bmysql(?:dump|admin|import|show|check)?\s(?:[^\n|;&]{0,200}?\s)?)-p[^\s'""]{1,4096}", Plain)]
    private static partial Regex MysqlPassword();

    // NAME=value (shell, INI "name = value", query strings) where NAME ends like a secret: DB_PASSWORD, GITHUB_TOKEN...
    [GeneratedRegex(@"(?<![\w-])[A-Za-z0-9_.\-]{0,64}" + SecretWord + NameEnd + @"\s{0,4}=\s{0,4}(?:" + QuotedValue + @"|(?<value>[^\s'"";&|\\]{1,4096}))", AnyCase)]
    private static partial Regex SecretAssignment();

    // name: value (YAML, HTTP headers such as X-Api-Key: and PRIVATE-TOKEN:, JSON or a dict in text) for such names.
    // A bare value stops at JSON and YAML punctuation, and one starting with '[' or '{' is a structure, not a secret.
    [GeneratedRegex(@"(?<![\w-])[A-Za-z0-9_.\-]{0,64}" + SecretWord + NameEnd + @"\s{0,4}:[ \t]{0,8}(?:" + QuotedValue + @"|(?<value>[^\s'""`,;&|{}\[\]\\][^\s'""`,;&|{}\\]{0,4095}))", AnyCase)]
    private static partial Regex SecretField();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{0,64}(?:password|passwd|secret|token|api_?key|apikey|private_?key|secret_?key|access_?key|credentials?|client_?secret|authorization)$", AnyCase)]
    private static partial Regex SecretName();
}
