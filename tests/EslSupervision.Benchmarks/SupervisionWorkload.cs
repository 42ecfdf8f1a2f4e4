using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EslSupervision.EventSocket;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.Benchmarks;

/// <summary>
/// A synthetic but realistic switch population for the supervision benchmarks, built from the real
/// FreeSWITCH 1.10.12 captures: every event is a captured <c>text/event-plain</c> body with its Unique-IDs,
/// extensions and domain rewritten, wrapped with <see cref="EslEvent.FromPlain"/> exactly as the client does.
/// </summary>
/// <remarks>
/// Population: <see cref="Tenants"/> tenants (<c>t00.pbx.lab</c> ...), each with <see cref="AgentsPerTenant"/>
/// agents (extensions 2000...) in ring groups of <see cref="GroupSize"/> agents supervised by one supervisor
/// (extensions 1000...). Call <c>i</c> belongs to tenant <c>i % Tenants</c> and agent <c>i / Tenants</c>;
/// even calls are "client calls agent" (agent leg outbound, <c>dialed_user</c>), odd calls "agent calls client"
/// (agent leg inbound, authenticated <c>user_name</c>). Two legs per call.
/// </remarks>
internal sealed partial class SupervisionWorkload
{
    public const int Tenants = 50;
    public const int AgentsPerTenant = 200;
    public const int GroupSize = 20;
    public const int GroupsPerTenant = AgentsPerTenant / GroupSize;

    private const string CaptureDomain = "pbx.lab";
    private const string CaptureAgent = "1004";
    private const string CaptureSupervisor = "1010";

    private readonly Scenario[] _scenarios;
    private readonly string _parkTemplate;
    private readonly string _applicationTemplate;
    private readonly string _parkLeg;

    private SupervisionWorkload(Scenario[] scenarios, string parkTemplate, string applicationTemplate, string parkLeg)
    {
        _scenarios = scenarios;
        _parkTemplate = parkTemplate;
        _applicationTemplate = applicationTemplate;
        _parkLeg = parkLeg;
    }

    public static int MaxCalls => Tenants * AgentsPerTenant;

    /// <summary>Loads the captures (found by walking up from the binaries to <c>tests/TestData/fixtures</c>).</summary>
    public static SupervisionWorkload Load()
    {
        string dir = FindFixtures();
        List<string> clientCallsAgent = ReadEventBodies(Path.Combine(dir, "supervision-client-calls-agent.server.esl"));
        List<string> agentCallsClient = ReadEventBodies(Path.Combine(dir, "supervision-agent-calls-client.server.esl"));
        Scenario[] scenarios = [Scenario.From(clientCallsAgent), Scenario.From(agentCallsClient)];

        string park = clientCallsAgent.First(b => Header(b, "Event-Name") == "CHANNEL_PARK");
        string application = clientCallsAgent.First(b => Header(b, "Event-Name") == "CHANNEL_APPLICATION");
        return new SupervisionWorkload(scenarios, park, application, Header(park, "Unique-ID")!);
    }

    public static string Tenant(int call) => "t" + (call % Tenants).ToString("00", CultureInfo.InvariantCulture) + ".pbx.lab";

    public static string AgentExtension(int call) => (2000 + (call / Tenants)).ToString(CultureInfo.InvariantCulture);

    public static string SupervisorExtension(int call) => (1000 + (call / Tenants / GroupSize)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The call the <paramref name="op"/>-th decision parks on: a stride through the calls (7919 is prime), computed in
    /// 64 bits (in 32 bits it overflowed past op 271,183 and the harness lost those decisions).
    /// </summary>
    public static int CallOf(long op, int calls) => (int)(op * 7919 % calls);

    /// <summary>The two legs of call <paramref name="call"/>: deterministic, random-looking v4-style UUIDs.</summary>
    public static (string A, string B) CallLegs(int call) => (Uuid(call, 0xA), Uuid(call, 0xB));

    /// <remarks>
    /// Distinct for every distinct (<paramref name="n"/>, <paramref name="kind"/>): the 64-bit input goes through
    /// SplitMix64's finalizer, a bijection. (A <see cref="Random"/> seeded with a 32-bit hash collided: with tens of
    /// thousands of legs, a park leg now and then had an agent's UUID and its decision never came.)
    /// </remarks>
    public static string Uuid(int n, int kind)
    {
        ulong x = ((ulong)(uint)kind << 32) | (uint)n;
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, Mix(x));
        BitConverter.TryWriteBytes(bytes[8..], Mix(x ^ 0x5eed5eed5eed5eedUL));
        return new Guid(bytes).ToString();
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }

    /// <summary>The ring groups of the whole population (one supervisor per group of <see cref="GroupSize"/> agents).</summary>
    public static SupervisionOptions Options()
    {
        var options = new SupervisionOptions();
        for (int t = 0; t < Tenants; t++)
        {
            string tenant = Tenant(t);
            options.Tenants[tenant] = new TenantOptions { Enabled = true };
            for (int g = 0; g < GroupsPerTenant; g++)
            {
                var group = new RingGroupOptions { Name = $"{tenant}-g{g}", Tenant = tenant };
                group.Members.Add(new RingGroupMemberOptions { Extension = (1000 + g).ToString(CultureInfo.InvariantCulture), Supervisor = true });
                for (int a = 0; a < GroupSize; a++)
                {
                    group.Members.Add(new RingGroupMemberOptions { Extension = (2000 + (g * GroupSize) + a).ToString(CultureInfo.InvariantCulture) });
                }

                options.RingGroups.Add(group);
            }
        }

        return options;
    }

    /// <summary>The frames (create, execute bridge, answers, bridge) that put call <paramref name="call"/> on the switch.</summary>
    public IEnumerable<byte[]> CallSetup(int call) => CallSetup(call, 0);

    /// <summary>
    /// Call <paramref name="call"/> on switch <paramref name="switchIndex"/> of a cluster: switch 0 has the population's
    /// agents (the same legs as <see cref="CallSetup(int)"/>); the other switches have their own legs and agents
    /// (extension + 10,000 per switch, in no ring group), so every leg and agent is on exactly one switch.
    /// </summary>
    public IEnumerable<byte[]> CallSetup(int call, int switchIndex)
    {
        Scenario s = _scenarios[call % 2];
        (string a, string b) = (Uuid(call, 0xA + (0x100 * switchIndex)), Uuid(call, 0xB + (0x100 * switchIndex)));
        string agent = switchIndex == 0 ? AgentExtension(call) : ((10_000 * switchIndex) + 2000 + (call / Tenants)).ToString(CultureInfo.InvariantCulture);
        foreach (string template in s.Setup)
        {
            yield return Rewrite(template, s.Map(a, b), agent, Tenant(call));
        }
    }

    /// <summary>
    /// A channel event for one leg of <paramref name="call"/> that the controller must look at but that starts
    /// nothing: <c>CHANNEL_STATE</c>, <c>CHANNEL_CALLSTATE</c> (full channel data, as FreeSWITCH sends them) or
    /// the A-leg's <c>CHANNEL_EXECUTE</c> of <c>bridge</c> (which the registry applies).
    /// </summary>
    public byte[] Background(int call, int kind) => Background(call, kind, 0);

    /// <summary>A background event of call <paramref name="call"/> on switch <paramref name="switchIndex"/> (see <see cref="CallSetup(int, int)"/>).</summary>
    public byte[] Background(int call, int kind, int switchIndex)
    {
        Scenario s = _scenarios[call % 2];
        (string a, string b) = (Uuid(call, 0xA + (0x100 * switchIndex)), Uuid(call, 0xB + (0x100 * switchIndex)));
        string template = (kind % 3) switch
        {
            0 => s.Execute,
            1 => s.AnswerAsState,
            _ => s.AnswerAsCallState,
        };
        return Rewrite(template, s.Map(a, b), AgentExtension(call), Tenant(call));
    }

    /// <summary>The supervisor's <c>CHANNEL_PARK</c> for the service code <c>*90&lt;agent&gt;</c> on call <paramref name="call"/>.</summary>
    public byte[] Park(string supervisorLeg, int call)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal) { [_parkLeg] = supervisorLeg };
        string text = RewriteText(_parkTemplate, map, null, Tenant(call));
        text = ReplaceIdentity(text, CaptureSupervisor, SupervisorExtension(call));
        text = SetHeader(text, "Caller-Destination-Number", "*90" + AgentExtension(call));
        return Encoding.UTF8.GetBytes(EnsureLeg(text, supervisorLeg));
    }

    /// <summary>The supervisor's relayed key press.</summary>
    public byte[] Digit(string supervisorLeg, int call, string digit)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal) { [_parkLeg] = supervisorLeg };
        string text = RewriteText(_applicationTemplate, map, null, Tenant(call));
        text = ReplaceIdentity(text, CaptureSupervisor, SupervisorExtension(call));
        text = SetHeader(text, "Caller-Destination-Number", "*90" + AgentExtension(call));
        text = SetHeader(text, "ESL-Supervision-Digit", digit);
        return Encoding.UTF8.GetBytes(EnsureLeg(text, supervisorLeg));
    }

    /// <summary>A rewritten event must name the leg the benchmark waits for; anything else is a harness bug, not a lost decision.</summary>
    private static string EnsureLeg(string text, string leg)
        => text.Contains("\nUnique-ID: " + leg + "\n", StringComparison.Ordinal)
            ? text
            : throw new InvalidOperationException($"The rewritten event does not carry Unique-ID {leg}.");

    /// <summary>The end of a supervisor's leg (hang-up complete, then destroy), so the registry does not grow.</summary>
    public static IEnumerable<EslEvent> SupervisorGone(string supervisorLeg)
    {
        yield return EslEvent.Create([new("Event-Name", "CHANNEL_HANGUP_COMPLETE"), new("Unique-ID", supervisorLeg), new("Hangup-Cause", "NORMAL_CLEARING")]);
        yield return EslEvent.Create([new("Event-Name", "CHANNEL_DESTROY"), new("Unique-ID", supervisorLeg)]);
    }

    public static string Header(string body, string name)
    {
        EslEvent e = EslEvent.FromPlain(Encoding.UTF8.GetBytes(body));
        return e[name] ?? string.Empty;
    }

    private static byte[] Rewrite(string template, Dictionary<string, string> uuids, string? agent, string tenant)
        => Encoding.UTF8.GetBytes(RewriteText(template, uuids, agent, tenant));

    private static string RewriteText(string template, Dictionary<string, string> uuids, string? agent, string tenant)
    {
        string text = UuidPattern().Replace(template, m => uuids.TryGetValue(m.Value, out string? to) ? to : m.Value);
        if (agent is not null)
        {
            text = ReplaceIdentity(text, CaptureAgent, agent);
        }

        return text.Replace(CaptureDomain, tenant, StringComparison.Ordinal);
    }

    /// <summary>
    /// Replaces an extension in every header value that is not a time (where the digits could occur by chance),
    /// and never inside a UUID: the rewritten legs' UUIDs are random hex, and one like <c>...-221bb1010c23</c> holds
    /// the supervisor's captured extension between two letters. Rewriting it there gave the park event another
    /// leg's Unique-ID, so its command went to a leg the benchmark did not wait for (a "lost" decision after the
    /// 10 s patience; the cluster run's op 11523 on fs-2, deterministically).
    /// </summary>
    private static string ReplaceIdentity(string text, string from, string to)
    {
        string pattern = $"{UuidPattern()}|(?<![0-9]){from}(?![0-9])";
        var sb = new StringBuilder(text.Length + 64);
        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            bool isTime = colon < 0 || !line.AsSpan(colon).Contains(from, StringComparison.Ordinal) || (line.AsSpan(0, colon).Contains("Time", StringComparison.OrdinalIgnoreCase) || line.AsSpan(0, colon).Contains("Date", StringComparison.OrdinalIgnoreCase));
            sb.Append(isTime ? line : line[..colon] + Regex.Replace(line[colon..], pattern, m => m.Value.Length == from.Length ? to : m.Value, RegexOptions.CultureInvariant)).Append('\n');
        }

        sb.Length--;
        return sb.ToString();
    }

    private static string SetHeader(string text, string name, string value)
    {
        string encoded = Uri.EscapeDataString(value);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith(name + ": ", StringComparison.Ordinal))
            {
                lines[i] = name + ": " + encoded;
            }
        }

        return string.Join('\n', lines);
    }

    private static string FindFixtures()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "tests", "TestData", "fixtures", "freeswitch-1.10.12");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("tests/TestData/fixtures/freeswitch-1.10.12 not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The bodies of every <c>text/event-plain</c> frame of a server capture, cut with the client's own frame reader.</summary>
    private static List<string> ReadEventBodies(string path)
    {
        var buffer = new ReadOnlySequence<byte>(File.ReadAllBytes(path));
        var bodies = new List<string>();
        while (EslFrameReader.TryRead(ref buffer, long.MaxValue, out EslFrame? frame))
        {
            if (frame!.Type == EslContentType.EventPlain)
            {
                bodies.Add(Encoding.UTF8.GetString(frame.Body));
            }
        }

        return bodies;
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.CultureInvariant)]
    private static partial Regex UuidPattern();

    /// <summary>One captured call: its two legs and the events that set it up.</summary>
    private sealed class Scenario
    {
        private Scenario(string a, string b, List<string> setup, string execute, string answer)
        {
            A = a;
            B = b;
            Setup = setup;
            Execute = execute;
            AnswerAsState = answer.Replace("Event-Name: CHANNEL_ANSWER", "Event-Name: CHANNEL_STATE", StringComparison.Ordinal);
            AnswerAsCallState = answer.Replace("Event-Name: CHANNEL_ANSWER", "Event-Name: CHANNEL_CALLSTATE", StringComparison.Ordinal);
        }

        public string A { get; }

        public string B { get; }

        public List<string> Setup { get; }

        public string Execute { get; }

        public string AnswerAsState { get; }

        public string AnswerAsCallState { get; }

        public Dictionary<string, string> Map(string a, string b) => new(StringComparer.Ordinal) { [A] = a, [B] = b };

        public static Scenario From(List<string> bodies)
        {
            int bridge = bodies.FindIndex(b => Header(b, "Event-Name") == "CHANNEL_BRIDGE");
            string a = Header(bodies[bridge], "Bridge-A-Unique-ID");
            string b = Header(bodies[bridge], "Bridge-B-Unique-ID");
            var setup = bodies.Take(bridge + 1)
                .Where(x => Header(x, "Unique-ID") is { } id && (id == a || id == b) && Header(x, "Event-Name").StartsWith("CHANNEL_", StringComparison.Ordinal))
                .ToList();
            string execute = setup.First(x => Header(x, "Event-Name") == "CHANNEL_EXECUTE" && Header(x, "Unique-ID") == a);
            string answer = setup.First(x => Header(x, "Event-Name") == "CHANNEL_ANSWER" && Header(x, "Unique-ID") == a);
            return new Scenario(a, b, setup, execute, answer);
        }
    }
}
