using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hookline.Agents.Tests;

/// <summary>
/// The model APIs the agents speak (Anthropic Messages, Gemini streamGenerateContent, OpenAI Responses and Chat
/// Completions), faked on
/// loopback. Each is scripted the same way: while the conversation holds fewer tool results than there are
/// <see cref="ToolCommands"/>, ask for a shell tool call running the next one; then finish with a short text. Every
/// request body is appended to a JSON-lines file so the test can read what the model was told.
/// </summary>
internal sealed class FakeModelApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _requestLog;
    private readonly object _logLock = new();

    private FakeModelApi(WebApplication app, string requestLog, IReadOnlyList<string> toolCommands)
    {
        _app = app;
        _requestLog = requestLog;
        ToolCommands = toolCommands;
    }

    public IReadOnlyList<string> ToolCommands { get; }

    /// <summary>Completes when the model has answered with its final text, after every scripted tool call.</summary>
    public Task Finished => _finished.Task;

    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Url => _app.Urls.First();

    public static async Task<FakeModelApi> StartAsync(string requestLog, IReadOnlyList<string> toolCommands)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var api = new FakeModelApi(app, requestLog, toolCommands);
        app.MapPost("/v1/messages", api.AnthropicAsync);
        app.MapPost("/v1/messages/count_tokens", () => Results.Json(new { input_tokens = 10 }));
        app.MapPost("/v1beta/models/{model}", api.GeminiAsync);
        app.MapPost("/v1/responses", api.OpenAiAsync);
        app.MapPost("/v1/chat/completions", api.ChatCompletionsAsync);
        app.MapFallback(async context =>
        {
            await api.RecordAsync(context, "");
            context.Response.StatusCode = 404;
        });
        await app.StartAsync();
        return api;
    }

    private async Task<JsonNode?> RecordAsync(HttpContext context, string body)
    {
        var line = new JsonObject
        {
            ["at"] = DateTimeOffset.UtcNow.ToString("O"),
            ["method"] = context.Request.Method,
            ["path"] = context.Request.Path.Value + context.Request.QueryString.Value,
            ["body"] = body,
        }.ToJsonString();
        lock (_logLock)
        {
            File.AppendAllText(_requestLog, line + "\n");
        }
        await Task.CompletedTask;
        try
        {
            return body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<string> BodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static async Task SseAsync(HttpContext context, IEnumerable<(string? Event, JsonNode Data)> events)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        foreach (var (name, data) in events)
        {
            var text = (name is null ? "" : $"event: {name}\n") + $"data: {data.ToJsonString()}\n\n";
            await context.Response.WriteAsync(text);
            await context.Response.Body.FlushAsync();
        }
    }

    // ---- Anthropic Messages ----

    private async Task AnthropicAsync(HttpContext context)
    {
        var body = await BodyAsync(context);
        var request = await RecordAsync(context, body);
        var hasTools = request?["tools"] is JsonArray { Count: > 0 } tools && tools.Any(t => (string?)t?["name"] == "Bash");
        var next = NextCommand(hasTools, Count(request, n => TypeIs(n, "tool_result")));
        var callTool = next is not null;
        var model = (string?)request?["model"] ?? "claude-fake";
        var stream = request?["stream"]?.GetValue<bool>() ?? false;
        if (!stream)
        {
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = "msg_fake", ["type"] = "message", ["role"] = "assistant", ["model"] = model,
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Done." }),
                ["stop_reason"] = "end_turn", ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = 10, ["output_tokens"] = 2 },
            });
            return;
        }
        var events = new List<(string?, JsonNode)>
        {
            ("message_start", new JsonObject
            {
                ["type"] = "message_start",
                ["message"] = new JsonObject
                {
                    ["id"] = "msg_fake" + Environment.TickCount64, ["type"] = "message", ["role"] = "assistant", ["model"] = model,
                    ["content"] = new JsonArray(), ["stop_reason"] = null, ["stop_sequence"] = null,
                    ["usage"] = new JsonObject { ["input_tokens"] = 10, ["output_tokens"] = 1 },
                },
            }),
        };
        if (callTool)
        {
            var input = new JsonObject { ["command"] = next, ["description"] = "run the scripted command" }.ToJsonString();
            events.Add(("content_block_start", new JsonObject
            {
                ["type"] = "content_block_start", ["index"] = 0,
                ["content_block"] = new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_fake" + Environment.TickCount64, ["name"] = "Bash", ["input"] = new JsonObject() },
            }));
            events.Add(("content_block_delta", new JsonObject
            {
                ["type"] = "content_block_delta", ["index"] = 0,
                ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = input },
            }));
        }
        else
        {
            events.Add(("content_block_start", Parse("""{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")));
            events.Add(("content_block_delta", Parse("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Done."}}""")));
        }
        events.Add(("content_block_stop", Parse("""{"type":"content_block_stop","index":0}""")));
        events.Add(("message_delta", Parse($$$"""{"type":"message_delta","delta":{"stop_reason":"{{{(callTool ? "tool_use" : "end_turn")}}}","stop_sequence":null},"usage":{"output_tokens":5}}""")));
        events.Add(("message_stop", Parse("""{"type":"message_stop"}""")));
        await SseAsync(context, events);
    }

    // ---- Gemini ----

    private async Task GeminiAsync(HttpContext context, string model)
    {
        var body = await BodyAsync(context);
        var request = await RecordAsync(context, body);
        var hasTools = body.Contains("run_shell_command", StringComparison.Ordinal);
        var next = NextCommand(hasTools, Count(request, n => n.ContainsKey("functionResponse")));
        JsonNode part = next is not null
            ? new JsonObject
            {
                ["functionCall"] = new JsonObject
                {
                    ["name"] = "run_shell_command",
                    ["args"] = new JsonObject { ["command"] = next, ["description"] = "run the scripted command" },
                },
            }
            : new JsonObject { ["text"] = "Done." };
        var chunk = new JsonObject
        {
            ["candidates"] = new JsonArray(new JsonObject
            {
                ["content"] = new JsonObject { ["role"] = "model", ["parts"] = new JsonArray(part) },
                ["finishReason"] = "STOP",
                ["index"] = 0,
            }),
            ["usageMetadata"] = new JsonObject { ["promptTokenCount"] = 10, ["candidatesTokenCount"] = 5, ["totalTokenCount"] = 15 },
        };
        if (model.EndsWith(":countTokens", StringComparison.Ordinal))
        {
            await context.Response.WriteAsJsonAsync(new JsonObject { ["totalTokens"] = 10 });
        }
        else if (model.EndsWith(":streamGenerateContent", StringComparison.Ordinal))
        {
            await SseAsync(context, [(null, chunk)]);
        }
        else
        {
            await context.Response.WriteAsJsonAsync(chunk);
        }
    }

    // ---- OpenAI Responses ----

    private async Task OpenAiAsync(HttpContext context)
    {
        var body = await BodyAsync(context);
        var request = await RecordAsync(context, body);
        var toolNames = (request?["tools"] as JsonArray ?? []).Select(t => (string?)t?["name"]).ToHashSet();
        var next = NextCommand(toolNames.Contains("exec_command") || toolNames.Contains("shell"),
            Count(request, n => TypeIs(n, "function_call_output")));
        var callTool = next is not null;
        var id = "resp_fake" + Environment.TickCount64;
        JsonObject item;
        if (callTool)
        {
            var arguments = toolNames.Contains("exec_command")
                ? new JsonObject { ["cmd"] = next }
                : new JsonObject { ["command"] = new JsonArray("bash", "-lc", next) };
            item = new JsonObject
            {
                ["type"] = "function_call", ["id"] = "fc_" + id, ["call_id"] = "call_" + id,
                ["name"] = toolNames.Contains("exec_command") ? "exec_command" : "shell",
                ["arguments"] = arguments.ToJsonString(), ["status"] = "completed",
            };
        }
        else
        {
            item = new JsonObject
            {
                ["type"] = "message", ["id"] = "msg_" + id, ["role"] = "assistant", ["status"] = "completed",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = "Done.", ["annotations"] = new JsonArray() }),
            };
        }
        await SseAsync(context,
        [
            ("response.created", new JsonObject
            {
                ["type"] = "response.created",
                ["response"] = new JsonObject { ["id"] = id, ["object"] = "response", ["status"] = "in_progress", ["output"] = new JsonArray() },
            }),
            ("response.output_item.added", new JsonObject { ["type"] = "response.output_item.added", ["output_index"] = 0, ["item"] = item.DeepClone() }),
            ("response.output_item.done", new JsonObject { ["type"] = "response.output_item.done", ["output_index"] = 0, ["item"] = item.DeepClone() }),
            ("response.completed", new JsonObject
            {
                ["type"] = "response.completed",
                ["response"] = new JsonObject
                {
                    ["id"] = id, ["object"] = "response", ["status"] = "completed", ["output"] = new JsonArray(),
                    ["usage"] = new JsonObject
                    {
                        ["input_tokens"] = 10, ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                        ["output_tokens"] = 5, ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
                        ["total_tokens"] = 15,
                    },
                },
            }),
        ]);
    }

    // ---- OpenAI Chat Completions (Qwen Code's openai auth, GitHub Copilot CLI's bring-your-own-model provider) ----

    private async Task ChatCompletionsAsync(HttpContext context)
    {
        var body = await BodyAsync(context);
        var request = await RecordAsync(context, body);
        var toolNames = (request?["tools"] as JsonArray ?? []).Select(t => (string?)t?["function"]?["name"]).ToHashSet();
        var shell = toolNames.Contains("run_shell_command") ? "run_shell_command" : toolNames.Contains("bash") ? "bash" : null;
        var next = NextCommand(shell is not null, Count(request, n => (string?)n["role"] == "tool"));
        var id = "chatcmpl_fake" + Environment.TickCount64;
        var delta = next is not null
            ? new JsonObject
            {
                ["role"] = "assistant",
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["id"] = "call_" + id, ["type"] = "function",
                    ["function"] = new JsonObject
                    {
                        ["name"] = shell,
                        ["arguments"] = (shell == "bash"
                            ? new JsonObject { ["command"] = next, ["description"] = "run the scripted command" }
                            : new JsonObject { ["command"] = next, ["description"] = "run the scripted command", ["is_background"] = false }).ToJsonString(),
                    },
                }),
            }
            : new JsonObject { ["role"] = "assistant", ["content"] = "Done." };
        var finish = next is not null ? "tool_calls" : "stop";
        var usage = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 };
        if (request?["stream"]?.GetValue<bool>() != true)
        {
            delta.Remove("role");
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion", ["created"] = 0, ["model"] = (string?)request?["model"] ?? "m",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = (string?)delta["content"], ["tool_calls"] = delta["tool_calls"]?.DeepClone() },
                    ["finish_reason"] = finish,
                }),
                ["usage"] = usage,
            });
            return;
        }
        JsonObject Chunk(JsonObject choiceDelta, string? finishReason, JsonObject? withUsage = null) => new()
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 0, ["model"] = (string?)request?["model"] ?? "m",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = choiceDelta, ["finish_reason"] = finishReason }),
            ["usage"] = withUsage,
        };
        await SseAsync(context, [(null, Chunk(delta, null)), (null, Chunk([], finish, usage))]);
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    /// <summary>The next scripted command, or null when the model should finish (or the request offers no shell tool).</summary>
    private string? NextCommand(bool offersShell, int toolResults)
    {
        if (offersShell && toolResults < ToolCommands.Count)
        {
            return ToolCommands[toolResults];
        }
        if (offersShell)
        {
            _finished.TrySetResult();
        }
        return null;
    }

    /// <summary>Whether the object's "type" is this string ("type" is also a JSON-schema keyword, an array there).</summary>
    private static bool TypeIs(JsonObject node, string type) =>
        node["type"] is JsonValue value && value.TryGetValue<string>(out var text) && text == type;

    /// <summary>How many objects anywhere in the request satisfy <paramref name="match"/>.</summary>
    private static int Count(JsonNode? node, Func<JsonObject, bool> match) => node switch
    {
        JsonObject o => (match(o) ? 1 : 0) + o.Sum(p => Count(p.Value, match)),
        JsonArray a => a.Sum(e => Count(e, match)),
        _ => 0,
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
