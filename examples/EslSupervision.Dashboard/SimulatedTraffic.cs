using EslSupervision.Testing;

namespace EslSupervision.Dashboard;

/// <summary>Calls that come and go on the demo's agents, and a supervisor phone that gets answered.</summary>
internal static class SimulatedTraffic
{
    /// <summary>At most this many agents per tenant are on a call at once, so buttons stay visible.</summary>
    private const int MaxCallsPerTenant = 2;

    public static async Task RunAsync(FakeFreeSwitch fs, CancellationToken cancellationToken)
    {
        var random = new Random(12);
        var running = new List<(FakeCall Call, string Tenant, string Agent, DateTimeOffset Until)>();
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(2));
        try
        {
            while (await tick.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                foreach (var ended in running.Where(r => r.Until <= now || r.Call.ALeg.IsHungUp || r.Call.BLeg.IsHungUp).ToList())
                {
                    running.Remove(ended);
                    if (!ended.Call.ALeg.IsHungUp)
                    {
                        fs.Hangup(ended.Call.ALeg.Uuid);
                    }
                }

                foreach (string tenant in DemoLab.Agents.Select(a => a.Tenant).Distinct())
                {
                    var idle = DemoLab.Agents.Where(a => a.Tenant == tenant && !running.Any(r => r.Agent == a.Extension && r.Tenant == tenant)).ToList();
                    if (idle.Count == 0 || running.Count(r => r.Tenant == tenant) >= MaxCallsPerTenant || random.NextDouble() < 0.5)
                    {
                        continue;
                    }

                    var agent = idle[random.Next(idle.Count)];
                    string client = "49155" + random.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    FakeCall call = random.NextDouble() < 0.6
                        ? fs.ClientCallsAgent(client, "Client", "5551000", agent.Extension, tenant)
                        : fs.AgentCallsClient(agent.Extension, tenant, client);
                    running.Add((call, tenant, agent.Extension, now.AddSeconds(random.Next(20, 60))));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public static async Task AnswerSupervisorPhonesAsync(FakeFreeSwitch fs, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, DateTimeOffset>();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            while (await tick.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (string leg in fs.RingingLegs)
                {
                    // Ring for about a second, as a person would take to pick up.
                    if (seen.TryAdd(leg, DateTimeOffset.UtcNow))
                    {
                        continue;
                    }

                    if (DateTimeOffset.UtcNow - seen[leg] >= TimeSpan.FromSeconds(1))
                    {
                        fs.AnswerRinging(leg);
                        seen.Remove(leg);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
