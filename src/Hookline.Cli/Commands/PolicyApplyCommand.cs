using System.CommandLine;
using System.Net.Http.Headers;
using Hookline.Cli.Clients;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Policy;
using Hookline.Server;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline policy apply FILE --server URL</c>: validates the file here, then stores it through the server as a new
/// epoch of the shared (PostgreSQL) policy; every replica pushes it to its streams.
/// </summary>
internal static class PolicyApplyCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Policy file (YAML or JSON)" };
        var server = new Option<string>("--server")
        {
            Description = "The server's HTTP endpoint (its --http-listen), e.g. http://127.0.0.1:7421",
            DefaultValueFactory = _ => "http://127.0.0.1:7421",
        };
        var token = CommonOptions.Token("Admin token, sent as a bearer token");
        var command = new Command("apply", "Store a policy as the new epoch of a server that keeps its policy in PostgreSQL")
        {
            file, server, token.File, token.Legacy,
        };
        var tls = new ClientTlsFlags();
        tls.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (tls.Prepare(parse, command, "policy apply") is not var (merged, clientTls))
            {
                return 2;
            }
            parse = merged;
            var path = parse.GetValue(file)!;
            string text;
            try
            {
                text = await File.ReadAllTextAsync(path, cancellationToken);
                CompiledPolicy.Load(text, path);
            }
            catch (PolicyException ex)
            {
                await parse.Error().WriteLineAsync(ex.Message);
                return 1;
            }
            catch (IOException ex)
            {
                await parse.Error().WriteLineAsync($"{path}: {ex.Message}");
                return 1;
            }
            using var http = clientTls.CreateHttpClient(null, TimeSpan.FromSeconds(30));
            using var request = new HttpRequestMessage(HttpMethod.Post, parse.GetValue(server)!.TrimEnd('/') + HooklineServer.PolicyApplyPath)
            {
                // YAML (JSON is YAML too) as application/yaml: a type no web page can post across origins unasked.
                Content = new StringContent(text, System.Text.Encoding.UTF8, HooklineHttp.PolicyMediaType),
            };
            HooklineHttp.MarkAsClient(request.Headers);
            var bearer = CommonOptions.TokenValue(parse, token);
            if (!string.IsNullOrEmpty(bearer))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }
            request.Headers.Add("x-hookline-client-user", Environment.UserName);
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                var body = (await response.Content.ReadAsStringAsync(cancellationToken)).TrimEnd();
                if (!response.IsSuccessStatusCode)
                {
                    await parse.Error().WriteLineAsync($"hookline policy apply: refused ({(int)response.StatusCode}): {body}");
                    return 1;
                }
                parse.Out().WriteLine($"{path}: applied as {body}");
                return 0;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await parse.Error().WriteLineAsync($"hookline policy apply: {ex.Message}");
                return 2;
            }
        });
        return command;
    }
}
