using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using FsCheck.Fluent;
using FsCheck;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.Testing.Fuzz;
using Xunit.Abstractions;

namespace Hookline.Reliability.Tests;

/// <summary>
/// The fault and fuzz suite: the checked-in corpus, then FsCheck-generated hostile input until each entry point's
/// budget is spent, against a real <c>hookline server</c> and <c>hookline sidecar</c> (fail mode open, so an answer
/// that is not a deny would let a command run). Each shows: the processes stay up and healthy, every blocking event is
/// answered within its budget, and every accepted event is stored. The counts it prints go to docs/security.md.
/// </summary>
public sealed class HostileInputFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] KnownAgents = ["claude", "codex", "gemini", "cursor"];

    /// <summary>One frame for the hook socket; <see cref="Input"/> when it is a whole request of a known agent (recorded).</summary>
    private sealed record FrameCase(byte[] Bytes, bool Complete, HookInput? Input, string Origin);

    private static FrameCase Whole(HookInput input) => new(HookSocket.Request(input.Agent, input.Event, input.Stdin), true,
        KnownAgents.Contains(input.Agent) ? input : null, input.Origin);

    /// <summary>Well-formed frames of any hook input, frames of unknown agents, and frames whose header is broken.</summary>
    private static Gen<FrameCase> Frames() =>
        Gen.Frequency(
            (12, from input in HostileInputs.Any() select Whole(input)),
            (1, from input in HostileInputs.Any()
                from agent in Gen.Elements("", "CLAUDE", "claude ", "aider", new string('a', 255))
                from hookEvent in Gen.Elements(input.Event, "probe", "status", "status-json", "")
                select Whole(input with { Agent = agent, Event = hookEvent })),
            (2, from input in HostileInputs.Any()
                from kind in Gen.Choose(0, 6)
                from value in Gen.Choose(0, 255)
                select Broken(Whole(input), kind, (byte)value)));

    private static FrameCase Broken(FrameCase frame, int kind, byte value)
    {
        var bytes = (byte[])frame.Bytes.Clone();
        switch (kind)
        {
            case 0: // Another version (1 and 2 are both read).
                bytes[4] = value is 1 or 2 ? (byte)3 : value;
                return new(bytes, true, null, "frame:version");
            case 1: // Every flag set, "stdin cut at the cap" among them: still a whole request.
                bytes[5] = 0xFF;
                return frame with { Bytes = bytes, Origin = "frame:flags" };
            case 2: // The agent's length runs past the end.
                return new([.. HookSocket.Frame([1, 0, 200, .. "claude"u8])], true, null, "frame:agent-length");
            case 3: // A length over the 10 MiB cap, and nothing after it.
                return new([0x7F, 0xFF, 0xFF, (byte)(0xF0 | (value & 0x0F))], true, null, "frame:over-cap");
            case 4: // The length promises more than comes, then the hook is gone.
                return new(bytes[..Math.Max(4, bytes.Length - 1 - value % Math.Max(1, bytes.Length - 4))], false, null, "frame:cut");
            case 5: // An empty payload.
                return new([0, 0, 0, 0], true, null, "frame:empty");
            default: // Event name bytes that are not ASCII.
                var eventAt = 7 + bytes[6];
                if (eventAt >= bytes.Length || bytes[eventAt] == 0)
                {
                    return frame;
                }
                bytes[eventAt + 1] = (byte)(0x80 | value);
                // The sidecar reads the name as ASCII: the event is now another one, not blocking.
                var renamed = Encoding.ASCII.GetString(bytes, eventAt + 1, bytes[eventAt]);
                return frame with { Bytes = bytes, Input = frame.Input is { } input ? input with { Event = renamed } : null, Origin = "frame:event-bytes" };
        }
    }

    /// <summary>A lone surrogate or invalid UTF-8 in what is read of a blocking event: never allowed, whatever the fail mode.</summary>
    private static bool MustBeDeniedAsMalformed(FrameCase frame) =>
        frame.Input is { Blocking: true } input && input.Origin.StartsWith("corpus:", StringComparison.Ordinal)
        && (input.Origin.Contains("surrogate", StringComparison.Ordinal) || input.Origin.Contains("utf8", StringComparison.Ordinal)
            || input.Origin.Contains("overlong", StringComparison.Ordinal))
        && !input.Origin.Contains("tool-response", StringComparison.Ordinal);

    [Fact]
    public async Task Hook_frames_and_every_agents_hook_json_are_answered_and_every_accepted_event_is_stored()
    {
        var run = new FuzzRun(output, "hook socket", defaultSeconds: 45);
        await using var stack = await ProcessStack.StartAsync(failMode: "open");
        long tried = 0, answered = 0, blocking = 0, accepted = 0, cut = 0, malformedDenied = 0;

        async Task SendAsync(FrameCase frame)
        {
            tried++;
            var started = Stopwatch.GetTimestamp();
            var reply = HookSocket.Parse(await HookSocket.ExchangeAsync(stack.SocketPath, frame.Bytes, closeAfterSend: !frame.Complete));
            if (!frame.Complete)
            {
                cut++;
                return;
            }
            Assert.True(reply.Exit >= 0, $"no answer to {frame.Origin} (seed {run.Seed})");
            answered++;
            run.Answered(Stopwatch.GetElapsedTime(started), frame.Origin);
            if (frame.Input is { } input)
            {
                accepted++;
                blocking += input.Blocking ? 1 : 0;
            }
            if (MustBeDeniedAsMalformed(frame))
            {
                Assert.True(reply.Exit == 2, $"{frame.Origin} to {frame.Input!.Agent}/{frame.Input.Event} was not denied: exit {reply.Exit}, {reply.Stdout}");
                malformedDenied++;
            }
        }

        foreach (var input in HostileInputs.CorpusInputs())
        {
            await SendAsync(Whole(input));
        }
        for (var round = 0; run.TimeLeft; round++)
        {
            foreach (var frame in HostileInputs.Batch(Frames(), run.Seed, round, 32))
            {
                await SendAsync(frame);
            }
        }

        await SidecarProbe.DrainedAsync(stack.Sidecar!, stack.SocketPath);
        var stored = await stack.CountAsync($"session_id = '{stack.SessionId}'");
        run.Report(("frames", tried), ("answered", answered), ("cut by the sender", cut), ("accepted", accepted), ("blocking", blocking),
            ("corpus unreadable denied", malformedDenied), ("stored", stored));
        Assert.Equal(accepted, stored);
        await AssertHealthyAsync(stack);
    }

    private static readonly string[] HostileTexts =
        ["", "ok", new string('x', 65536), "a\0b", "\uFFFD", "\U0001D54F", "'; DROP TABLE events; --", "../../../etc/passwd", "\u202Egnp.exe", "%s%n%x"];

    /// <summary>Event ids and session ids: mostly well formed, else empty, not UUIDs, huge, or with NUL (each unique).</summary>
    private static string Id(int kind, string wellFormed) => kind switch
    {
        0 => "",
        1 => "not-a-uuid-" + Guid.NewGuid().ToString("N"),
        2 => new string('9', 4096) + Guid.NewGuid().ToString("N"),
        3 => Guid.NewGuid() + "\0",
        4 => Guid.NewGuid().ToString(),
        _ => wellFormed,
    };

    private static Gen<HookEvent> HostileEvents(string session) =>
        from input in HostileInputs.Any()
        from response in HostileInputs.Any()
        from idKind in Gen.Choose(0, 12)
        from sessionKind in Gen.Choose(0, 12)
        from text in Gen.Elements(HostileTexts)
        from tool in Gen.Elements("Bash", "Read", "Write", "WebFetch", "mcp__db__query", "", "\uFFFD")
        from wanted in Gen.Elements(true, true, false)
        from applied in Gen.Choose(0, 6)
        from seconds in Gen.Elements(1_700_000_000L, 0L, -62_135_596_801L, 253_402_300_800L, long.MaxValue, long.MinValue)
        from nanos in Gen.Elements(0, -1, 999_999_999, int.MaxValue)
        select new HookEvent
        {
            EventId = Id(idKind, Guid.NewGuid().ToString()),
            SessionId = Id(sessionKind, session),
            Agent = input.Agent,
            HookEventName = text.Length < 64 && applied == 0 ? text : "PreToolUse",
            NativeEvent = input.Event,
            ToolName = tool,
            NativeToolName = text,
            ToolInput = ByteString.CopyFrom(input.Stdin),
            ToolResponse = ByteString.CopyFrom(response.Stdin),
            RawInput = applied == 6 ? ByteString.CopyFrom(input.Stdin) : ByteString.Empty,
            Cwd = text,
            Prompt = text,
            User = text,
            DecisionWanted = wanted,
            PayloadTruncated = applied == 5,
            PayloadShed = applied == 4,
            Time = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = seconds, Nanos = nanos },
            Applied = applied switch
            {
                3 => new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.Local, Reason = text },
                4 => new AppliedDecision { Verdict = Verdict.Deny, Source = DecisionSource.MalformedInput, Reason = text },
                5 => new AppliedDecision { Verdict = (Verdict)99, Source = (DecisionSource)77, Reason = text, LatencyUs = uint.MaxValue },
                _ => null,
            },
        };

    private static ProcessHookEventRequest UnknownKind() => ProcessHookEventRequest.Parser.ParseFrom([0x98, 0x06, 0x01]);

    private static Gen<ProcessHookEventRequest> StreamMessages(string session) =>
        Gen.Frequency(
            (30, from e in HostileEvents(session) select new ProcessHookEventRequest { Event = e }),
            (1, from nonce in Gen.Choose(0, int.MaxValue) select new ProcessHookEventRequest { Ping = new Ping { Nonce = (ulong)nonce } }),
            (1, Gen.Constant(0).Select(_ => UnknownKind())),
            (1, from text in Gen.Elements(HostileTexts)
                select new ProcessHookEventRequest { Open = new Open { SessionId = text, Agent = text, SidecarVersion = text, PolicyEpoch = ulong.MaxValue } }));

    private static bool WellFormed(HookEvent e, string session) => Guid.TryParse(e.EventId, out _) && !e.EventId.Contains('\0') && e.SessionId == session;

    [Fact]
    public async Task Hostile_stream_messages_each_get_an_answer_and_every_accepted_event_is_stored()
    {
        var run = new FuzzRun(output, "stream", defaultSeconds: 40);
        await using var target = await ServerTarget.StartAsync();
        var (stack, client, session) = (target.Stack, target.Client, target.Session);
        using var call = client.ProcessHookEvent();
        var decisions = new ConcurrentDictionary<ulong, TaskCompletionSource<Decision>>();
        var acked = new ConcurrentDictionary<string, bool>();
        var reading = Task.Run(async () =>
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                if (message.KindCase == ProcessHookEventResponse.KindOneofCase.Decision)
                {
                    decisions.GetOrAdd(message.Decision.CorrelationId, _ => new()).TrySetResult(message.Decision);
                }
                else if (message.KindCase == ProcessHookEventResponse.KindOneofCase.StoredAck)
                {
                    foreach (var id in message.StoredAck.EventIds)
                    {
                        acked[id] = true;
                    }
                }
            }
        });
        await call.RequestStream.WriteAsync(new ProcessHookEventRequest { Open = new Open { SessionId = session, Agent = "claude", SidecarVersion = "fuzz" } });
        long messages = 0, events = 0, blocking = 0, answered = 0;
        ulong correlation = 0;
        var inSession = new HashSet<string>();
        var expected = new List<string>();
        ProcessHookEventRequest? last = null;
        for (var round = 0; run.TimeLeft; round++)
        {
            foreach (var message in HostileInputs.Batch(StreamMessages(session), run.Seed, round, 32))
            {
                messages++;
                if (message.Event is not { } e)
                {
                    await call.RequestStream.WriteAsync(message);
                    continue;
                }
                events++;
                e.CorrelationId = ++correlation;
                var decided = e.DecisionWanted ? decisions.GetOrAdd(e.CorrelationId, _ => new()) : null;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await call.RequestStream.WriteAsync(message);
                }
                catch (RpcException ex)
                {
                    throw new Xunit.Sdk.XunitException($"the server ended the stream ({ex.Status}) at event {e.CorrelationId} after "
                        + $"{Short(last?.ToString() ?? "nothing")} (seed {run.Seed}); server log:\n{Tail(stack.Server!.Output)}");
                }
                last = message;
                if (e.SessionId == session)
                {
                    inSession.Add(e.EventId);
                }
                if (WellFormed(e, session))
                {
                    expected.Add(e.EventId);
                }
                if (decided is not null)
                {
                    blocking++;
                    var answer = await Task.WhenAny(decided.Task, Task.Delay(FuzzRun.AnswerBudget * 2));
                    Assert.True(answer == decided.Task, $"no decision for blocking event {e.CorrelationId} (session {Short(e.SessionId)}, "
                        + $"id {Short(e.EventId)}, time {e.Time}, applied {e.Applied}; seed {run.Seed}); server log:\n{Tail(stack.Server!.Output)}");
                    answered++;
                    run.Answered(Stopwatch.GetElapsedTime(started), $"blocking event {e.CorrelationId} ({e.ToolInput.Length} bytes of tool_input)");
                }
            }
        }

        await Until(() => expected.All(acked.ContainsKey), () => $"{expected.Count(id => !acked.ContainsKey(id))} of {expected.Count} well-formed events never acknowledged as stored (seed {run.Seed})");
        await call.RequestStream.CompleteAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        var ackedInSession = acked.Keys.Count(inSession.Contains);
        var stored = await stack.CountAsync($"session_id = '{session}'");
        run.Report(("messages", messages), ("events", events), ("blocking", blocking), ("answered", answered),
            ("well-formed", expected.Count), ("acknowledged in the session", ackedInSession), ("stored", stored));
        Assert.Equal(ackedInSession, stored);
        await AssertHealthyAsync(stack);
    }

    [Fact]
    public async Task Hostile_unary_calls_are_answered_or_refused_with_a_status_and_decided_events_are_stored()
    {
        var run = new FuzzRun(output, "unary", defaultSeconds: 30);
        await using var target = await ServerTarget.StartAsync();
        var (stack, client, session) = (target.Stack, target.Client, target.Session);
        long calls = 0, answered = 0, refused = 0, decided = 0, expected = 0;
        for (var round = 0; run.TimeLeft; round++)
        {
            foreach (var e in HostileInputs.Batch(HostileEvents(session), run.Seed, round, 32))
            {
                calls++;
                var options = new CallOptions(deadline: DateTime.UtcNow + FuzzRun.AnswerBudget);
                // Session calls never name the fuzzed session: ending it would refuse the DecideOnce calls that follow.
                var other = e.SessionId == session ? Guid.NewGuid().ToString() : e.SessionId;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    switch (calls % 4)
                    {
                        case 0:
                            await client.CreateSessionAsync(new CreateSessionRequest { SessionId = other, Agent = e.Cwd, User = e.User, Cwd = e.Cwd }, options);
                            break;
                        case 1:
                            await client.HeartbeatAsync(new HeartbeatRequest { SessionId = other }, options);
                            break;
                        case 2:
                            await client.EndSessionAsync(new EndSessionRequest { SessionId = other }, options);
                            break;
                        default:
                            await client.DecideOnceAsync(e, options);
                            decided++;
                            expected += e.SessionId == session ? 1 : 0;
                            break;
                    }
                    answered++;
                }
                catch (RpcException ex)
                {
                    // A refusal must say why; Unknown and Internal are what an unhandled exception in the server becomes.
                    Assert.True(ex.StatusCode is not (StatusCode.Unknown or StatusCode.Internal or StatusCode.DeadlineExceeded),
                        $"call {calls % 4} failed with {ex.StatusCode}: {ex.Status.Detail} (seed {run.Seed})");
                    refused++;
                }
                run.Answered(Stopwatch.GetElapsedTime(started), $"unary call {calls % 4}");
            }
        }

        long stored = 0;
        await Until(async () => (stored = await stack.CountAsync($"session_id = '{session}'")) >= expected,
            () => $"{stored} of {expected} decided events stored (seed {run.Seed}); server log:\n{Tail(stack.Server!.Output)}");
        run.Report(("calls", calls), ("answered", answered), ("refused with a status", refused), ("decided", decided),
            ("decided in the session", expected), ("stored", stored));
        Assert.Equal(expected, stored);
        await AssertHealthyAsync(stack);
    }

    private static readonly string[] ReadPaths =
    [
        "/api/events?session={0}&decision={0}&since={0}&until={0}&limit={0}&cursor={0}&order={0}&agent={0}&tool={0}",
        "/api/events/{0}", "/api/events/{0}/raw", "/api/sessions?status={0}&agent={0}&user={0}&cwd={0}&session={0}&since={0}&cursor={0}",
        "/api/sessions/{0}", "/api/policy/epochs/{0}", "/api/policy/diff?from={0}&to={0}", "/api/policy/epochs?documents={0}",
        "/api/health", "/api/policy/rules", "/api/tokens", "/ui/sessions/{0}", "/ui/sessions?session={0}", "/ui/live?decision={0}", "/ui",
        "/ui/assets/{0}", "/metrics", "/healthz",
    ];

    private static readonly string[] HostileQueryValues =
        ["%ED%A0%80", "%FF%FE", "%00", "%C0%AF", "-1", "1e999", "99999999999999999999", "'%20OR%201=1--", "..%2F..%2Fetc%2Fpasswd", "%E2%80%AE", ""];

    private static Gen<(string Method, string Path, byte[] Body)> HttpRequests() =>
        Gen.Frequency(
            (6, from path in Gen.Elements(ReadPaths)
                from value in Gen.OneOf(Gen.Elements(HostileQueryValues), from n in Gen.Choose(1, 8192) select new string('a', n))
                select ("GET", string.Format(System.Globalization.CultureInfo.InvariantCulture, path, value), Array.Empty<byte>())),
            (1, from input in HostileInputs.Any() select ("POST", "/api/tokens", input.Stdin)),
            (1, from input in HostileInputs.Any() select ("POST", "/v1/policy", input.Stdin)),
            (1, from value in Gen.Elements(HostileQueryValues) select ("DELETE", "/api/tokens/" + value, Array.Empty<byte>())));

    [Fact]
    public async Task Hostile_http_api_requests_never_get_a_server_error_and_events_with_unreadable_text_are_shown()
    {
        var run = new FuzzRun(output, "http api", defaultSeconds: 25);
        await using var target = await ServerTarget.StartAsync();
        var (stack, client, session) = (target.Stack, target.Client, target.Session);
        // Stored events whose text cannot be decoded, for the views to render.
        foreach (var (name, bytes) in HostileInputs.Corpus)
        {
            await client.DecideOnceAsync(new HookEvent
            {
                EventId = Guid.NewGuid().ToString(), SessionId = session, Agent = "claude", HookEventName = "PreToolUse", ToolName = "Bash",
                ToolInput = ByteString.CopyFrom(bytes), ToolResponse = ByteString.CopyFrom(bytes), DecisionWanted = true, NativeToolName = name,
            });
        }
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.HttpPort}"), Timeout = FuzzRun.AnswerBudget };
        await Until(async () => (await http.GetStringAsync($"/api/events?session={session}&limit=500")).Contains(session, StringComparison.Ordinal),
            () => "the seeded events never showed up in /api/events");
        long requests = 0, ok = 0, refused = 0;
        var byStatus = new Dictionary<int, long>();
        for (var round = 0; run.TimeLeft; round++)
        {
            foreach (var (method, path, body) in HostileInputs.Batch(HttpRequests(), run.Seed, round, 32))
            {
                requests++;
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (body.Length > 0 || method == "POST")
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", requests % 2 == 0 ? "application/json" : "text/plain");
                }
                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                run.Answered(Stopwatch.GetElapsedTime(started), $"{method} {path}");
                var status = (int)response.StatusCode;
                byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
                Assert.True(status < 500, $"{method} {path} answered {status} (seed {run.Seed})");
                ok += status < 400 ? 1 : 0;
                refused += status >= 400 ? 1 : 0;
            }
        }
        var events = await http.GetStringAsync($"/api/events?session={session}&limit=500");
        run.Report(("requests", requests), ("2xx/3xx", ok), ("4xx", refused), ("5xx", 0));
        output.WriteLine("by status: " + string.Join(", ", byStatus.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}")));
        Assert.Contains(@"rm -rf / # \\ud800", events, StringComparison.Ordinal);
        await AssertHealthyAsync(stack);
    }

    /// <summary>A server process alone, a gRPC client of it, and a session created for the fuzzed calls.</summary>
    private sealed class ServerTarget : IAsyncDisposable
    {
        private GrpcChannel _channel = null!;

        public ProcessStack Stack { get; private init; } = null!;

        public AgentService.AgentServiceClient Client { get; private set; } = null!;

        public string Session { get; } = Guid.NewGuid().ToString();

        public static async Task<ServerTarget> StartAsync()
        {
            var target = new ServerTarget { Stack = await ProcessStack.StartAsync(withSidecar: false) };
            target._channel = GrpcChannel.ForAddress(target.Stack.ServerUrl);
            target.Client = new AgentService.AgentServiceClient(target._channel);
            await target.Client.CreateSessionAsync(new CreateSessionRequest { SessionId = target.Session, Agent = "claude" });
            return target;
        }

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await Stack.DisposeAsync();
        }
    }

    /// <summary>Both processes are up, the server says ok, and a sidecar still has its stream.</summary>
    private static async Task AssertHealthyAsync(ProcessStack stack)
    {
        Assert.False(stack.Server!.HasExited, "the server exited:\n" + stack.Server.Output);
        using var http = new HttpClient { Timeout = FuzzRun.AnswerBudget };
        using var health = await http.GetAsync($"http://127.0.0.1:{stack.HttpPort}/healthz");
        var text = await health.Content.ReadAsStringAsync();
        Assert.True(health.IsSuccessStatusCode && text.StartsWith("ok", StringComparison.Ordinal), $"/healthz: {(int)health.StatusCode} {text}");
        if (stack.Sidecar is { } sidecar)
        {
            Assert.False(sidecar.HasExited, "the sidecar exited:\n" + sidecar.Output);
            Assert.Equal("connected", (await SidecarProbe.StatusAsync(stack.SocketPath)).Stream);
        }
    }

    private static string Short(string text) => text.Length <= 600 ? text : text[..600] + $"...({text.Length})";

    private static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];

    /// <summary>Bounded polling: a clear failure, never a hang.</summary>
    private static Task Until(Func<bool> done, Func<string> failure) => Until(() => Task.FromResult(done()), failure);

    private static Task Until(Func<Task<bool>> done, Func<string> failure) => Eventually.TrueAsync(done, TimeSpan.FromSeconds(60), failure);
}
