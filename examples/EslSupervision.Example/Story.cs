using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EslSupervision.Example;

/// <summary>The lab's constants.</summary>
internal static class Lab
{
    public const string Domain = "pbx.lab";

    /// <summary>How long any step may take before the story counts as failed.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
}

/// <summary>Something in the story did not happen.</summary>
internal sealed class StoryFailedException(string message) : Exception(message);

/// <summary>
/// The seed's story against the fake switch: Olivia talks to a client, Benjamin dials *901004 and presses 1, 2, 0,
/// the client hangs up. After each step: the ESL commands the controller sent, and who hears whom.
/// </summary>
internal sealed class Story(FakeFreeSwitch fs, IServiceProvider services) : IDisposable
{
    private const string ClientName = "Zoë Ünal 山田";
    private readonly ReplaySubject<SupervisionAuditEvent> _audit = new();
    private readonly Dictionary<string, string> _names = new(StringComparer.OrdinalIgnoreCase);
    private int _commandsShown;
    private string _client = string.Empty;
    private string _olivia = string.Empty;
    private string _benjamin = string.Empty;

    public async Task RunAsync()
    {
        var controller = services.GetRequiredService<SupervisionController>();
        var registry = services.GetRequiredService<CallRegistry>();
        using IDisposable auditSubscription = controller.Audit.Subscribe(_audit);

        Step($"1. {ClientName} (4915550001) calls the support line; Olivia (1004) answers.");
        Task bridged = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged).ToTask();
        FakeCall call = fs.ClientCallsAgent("4915550001", ClientName, "5551000", "1004", Lab.Domain);
        _client = Name(call.ALeg.Uuid, "Client");
        _olivia = Name(call.BLeg.Uuid, "Olivia");
        await Within(bridged, "the controller's call registry to see Olivia's call bridged");
        ShowCommands();
        ShowHearing(oliviaHearsBenjamin: false, clientHearsBenjamin: false, benjaminListens: false);

        Step("2. Benjamin (1010) dials *901004: spy on Olivia.");
        FakeChannel benjamin = fs.DialParked("1010", Lab.Domain, "*901004");
        _benjamin = Name(benjamin.Uuid, "Benjamin");
        SupervisionAuditEvent started = await Audit(e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == _benjamin, "the supervision to start");
        await Within(fs.WaitForChannelAsync(c => c.Uuid == _benjamin && c.CurrentApplication == "eavesdrop"), "Benjamin's leg to run eavesdrop");
        if (started.AgentLegId != _olivia || fs.GetEavesdropTarget(_benjamin) != _olivia)
        {
            throw new StoryFailedException("eavesdrop did not target Olivia's leg.");
        }

        ShowCommands();
        ShowHearing(oliviaHearsBenjamin: false, clientHearsBenjamin: false);

        await PressAsync('1', SupervisionMode.Whisper, "whisper: only Olivia hears Benjamin.");
        ShowHearing(oliviaHearsBenjamin: true, clientHearsBenjamin: false);

        await PressAsync('2', SupervisionMode.Barge, "barge: Olivia and the client hear Benjamin.");
        ShowHearing(oliviaHearsBenjamin: true, clientHearsBenjamin: true);

        await PressAsync('0', SupervisionMode.Spy, "back to spy: nobody hears Benjamin.");
        ShowHearing(oliviaHearsBenjamin: false, clientHearsBenjamin: false);

        Step("6. The client hangs up.");
        fs.Hangup(_client);
        SupervisionAuditEvent ended = await Audit(e => e.Kind == SupervisionAuditKind.Ended && e.SupervisorLegId == _benjamin, "the supervision to end");
        FakeChannel released = await Within(fs.WaitForChannelAsync(c => c.Uuid == _benjamin && c.IsHungUp), "Benjamin's leg to be released");
        ShowCommands();
        Console.WriteLine($"   Supervision ended ({ended.EndReason}) after {ended.Duration?.TotalMilliseconds:0} ms; Benjamin's leg hung up with {released.HangupCause}.");
        if (controller.ActiveSupervisions.Count != 0)
        {
            throw new StoryFailedException("a supervision is still listed as running.");
        }
    }

    public void Dispose() => _audit.Dispose();

    private static void Step(string text)
    {
        Console.WriteLine();
        Console.WriteLine(text);
    }

    private static async Task<T> Within<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Lab.Patience);
        }
        catch (TimeoutException)
        {
            throw new StoryFailedException($"timed out after {Lab.Patience.TotalSeconds:0} s waiting for {what}.");
        }
    }

    private static async Task Within(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Lab.Patience);
        }
        catch (TimeoutException)
        {
            throw new StoryFailedException($"timed out after {Lab.Patience.TotalSeconds:0} s waiting for {what}.");
        }
    }

    private Task<SupervisionAuditEvent> Audit(Func<SupervisionAuditEvent, bool> match, string what)
        => Within(_audit.FirstAsync(match).ToTask(), what);

    private async Task PressAsync(char digit, SupervisionMode mode, string meaning)
    {
        int step = digit switch { '1' => 3, '2' => 4, _ => 5 };
        Step($"{step}. Benjamin presses {digit}: {meaning}");
        await fs.PressDigitAsync(_benjamin, digit);
        SupervisionAuditEvent changed = await Audit(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == mode && e.SupervisorLegId == _benjamin, $"the switch to {mode}");
        if (changed.Digit != digit.ToString())
        {
            throw new StoryFailedException($"the mode changed to {mode} but not by the digit {digit}.");
        }

        ShowCommands();
    }

    private string Name(string uuid, string name)
    {
        _names[uuid] = name;
        return uuid;
    }

    /// <summary>Prints the sendmsg/sendevent commands the controller sent since the last step, UUIDs replaced by names.</summary>
    private void ShowCommands()
    {
        IReadOnlyList<string> commands = fs.Connections.Count == 0 ? [] : fs.Connections[0].ReceivedCommands;
        var shown = commands.Skip(_commandsShown)
            .Where(c => c.StartsWith("sendmsg", StringComparison.Ordinal) || c.StartsWith("sendevent", StringComparison.Ordinal))
            .Select(Shorten)
            .ToList();
        _commandsShown = commands.Count;
        Console.WriteLine(shown.Count == 0 ? "   ESL commands sent: none" : "   ESL commands sent:");
        foreach (string line in shown)
        {
            Console.WriteLine("     " + line);
        }
    }

    private string Shorten(string command)
    {
        string[] lines = command.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string Header(string name) => lines.FirstOrDefault(l => l.StartsWith(name + ": ", StringComparison.OrdinalIgnoreCase))?[(name.Length + 2)..] ?? string.Empty;
        string text;
        if (lines[0].StartsWith("sendmsg", StringComparison.Ordinal))
        {
            string verb = Header("call-command");
            text = verb == "execute"
                ? $"{lines[0]} execute {Header("execute-app-name")} {Header("execute-app-arg")}"
                : $"{lines[0]} {verb} {Header("hangup-cause")}";
        }
        else
        {
            text = lines[0] + " " + string.Join(' ', lines.Skip(1).Where(l => !l.StartsWith("Event-Name", StringComparison.OrdinalIgnoreCase) && !l.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)));
        }

        foreach ((string uuid, string name) in _names)
        {
            text = text.Replace(uuid, "<" + name + ">", StringComparison.OrdinalIgnoreCase);
        }

        return text.TrimEnd();
    }

    /// <summary>Prints who hears whom and checks it against the story.</summary>
    private void ShowHearing(bool oliviaHearsBenjamin, bool clientHearsBenjamin, bool benjaminListens = true)
    {
        (string Name, string Uuid)[] people = [("Client", _client), ("Olivia", _olivia), ("Benjamin", _benjamin)];
        Console.WriteLine("   Who hears whom (row hears column):");
        Console.WriteLine(("     " + "".PadRight(10) + string.Concat(people.Select(p => p.Name.PadRight(10)))).TrimEnd());
        foreach ((string listener, string listenerUuid) in people)
        {
            string row = string.Concat(people.Select(speaker =>
                (speaker.Uuid == listenerUuid ? "·" : Hears(listenerUuid, speaker.Uuid) ? "yes" : "-").PadRight(10)));
            Console.WriteLine("     " + listener.PadRight(10) + row.TrimEnd());
        }

        Expect(Hears(_client, _olivia) && Hears(_olivia, _client), "the client and Olivia hear each other");
        Expect(Hears(_olivia, _benjamin) == oliviaHearsBenjamin, oliviaHearsBenjamin ? "Olivia hears Benjamin" : "Olivia does not hear Benjamin");
        Expect(Hears(_client, _benjamin) == clientHearsBenjamin, clientHearsBenjamin ? "the client hears Benjamin" : "the client does not hear Benjamin");
        Expect(!benjaminListens || (Hears(_benjamin, _olivia) && Hears(_benjamin, _client)), "Benjamin hears both");
    }

    private bool Hears(string listener, string speaker) => listener.Length > 0 && speaker.Length > 0 && fs.Hears(listener, speaker);

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new StoryFailedException($"expected that {what}, but the switch says otherwise.");
        }
    }
}
