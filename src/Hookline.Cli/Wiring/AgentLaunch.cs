namespace Hookline.Cli.Wiring;

/// <summary>What <c>hookline start</c> adds to an agent's command line and environment to wire its hooks for one session.</summary>
/// <param name="LeadingArguments">Put before the user's own arguments.</param>
/// <param name="Environment">Set in the agent's environment.</param>
internal sealed record AgentLaunch(IReadOnlyList<string> LeadingArguments, IReadOnlyDictionary<string, string> Environment);
