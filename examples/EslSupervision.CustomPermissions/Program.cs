// A custom permission provider, registered with one line, against an embedded fake FreeSWITCH.
//
//   dotnet run --project examples/EslSupervision.CustomPermissions
//
// The company directory says who leads which team. Team leads may spy and whisper on their own team (not
// barge); nobody else may supervise. One line replaces the built-in ring-group provider:
//
//   services.AddSingleton<ISupervisionPermissionProvider, TeamLeadDirectory>();
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Security.Cryptography;
using System.Text;
using EslSupervision;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

Console.OutputEncoding = Encoding.UTF8;
TimeSpan patience = TimeSpan.FromSeconds(5);
const string Domain = "pbx.lab";

string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = password });
fs.AddUser(new FakeUser("1004", Domain, "Olivia"));
fs.AddUser(new FakeUser("1005", Domain, "Sam"));
fs.AddUser(new FakeUser("1010", Domain, "Benjamin"));

HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
builder.Services.AddEslSupervision(
    supervision => supervision.Tenants[Domain] = new TenantOptions { Enabled = true },
    connection =>
    {
        connection.Host = "127.0.0.1";
        connection.Port = fs.Port;
        connection.Password = password;
    });
builder.Services.AddSingleton<ISupervisionPermissionProvider, TeamLeadDirectory>(); // <- the one line
using IHost host = builder.Build();

try
{
    await host.StartAsync().WaitAsync(patience);
    var controller = host.Services.GetRequiredService<SupervisionController>();
    var registry = host.Services.GetRequiredService<CallRegistry>();
    using var audit = new System.Reactive.Subjects.ReplaySubject<SupervisionAuditEvent>();
    using IDisposable subscription = controller.Audit.Subscribe(audit);
    Task<SupervisionAuditEvent> Outcome(string leg) => audit
        .FirstAsync(e => e.SupervisorLegId == leg && e.Kind is SupervisionAuditKind.Started or SupervisionAuditKind.Denied)
        .ToTask().WaitAsync(patience);

    Console.WriteLine("Permission provider in use: " + host.Services.GetRequiredService<ISupervisionPermissionProvider>().GetType().Name);
    Task bridged = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged).ToTask();
    FakeCall call = fs.ClientCallsAgent("4915550001", "Zoë Ünal 山田", "5551000", "1004", Domain);
    await bridged.WaitAsync(patience);
    Console.WriteLine("Olivia (1004) is on a call with a client.");
    Console.WriteLine();

    FakeChannel sam = fs.DialParked("1005", Domain, "*901004");
    SupervisionAuditEvent samOutcome = await Outcome(sam.Uuid);
    FakeChannel samLeg = await fs.WaitForChannelAsync(c => c.Uuid == sam.Uuid && c.IsHungUp).WaitAsync(patience);
    Console.WriteLine($"Sam (1005) dials *901004      -> {samOutcome.Kind}: {samOutcome.DenialReason} \"{samOutcome.Detail}\"");
    Console.WriteLine($"                                 Sam's leg hung up with {samLeg.HangupCause}; Olivia hears Sam: {fs.Hears(call.BLeg.Uuid, sam.Uuid)}");

    FakeChannel benjamin = fs.DialParked("1010", Domain, "*911004");
    SupervisionAuditEvent benjaminOutcome = await Outcome(benjamin.Uuid);
    await fs.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.CurrentApplication == "eavesdrop").WaitAsync(patience);
    Console.WriteLine($"Benjamin (1010) dials *911004 -> {benjaminOutcome.Kind} in {benjaminOutcome.Mode} mode");
    Console.WriteLine($"                                 Olivia hears Benjamin: {fs.Hears(call.BLeg.Uuid, benjamin.Uuid)}; the client hears Benjamin: {fs.Hears(call.ALeg.Uuid, benjamin.Uuid)}");

    // The controller asks the provider for every mode up front and binds only the keys of allowed modes.
    string[] boundKeys = fs.Connections[0].ReceivedCommands
        .Where(c => c.Contains(benjamin.Uuid, StringComparison.Ordinal) && c.Contains("execute-app-name: bind_digit_action", StringComparison.Ordinal))
        .Select(c => c.Split("ESL-Supervision-Digit=")[1][..1])
        .ToArray();
    Console.WriteLine($"                                 keys bound on Benjamin's phone: {string.Join(", ", boundKeys)} (no 2: barge is not his)");

    // A dashboard asking for barge through the API gets the directory's answer, and nothing changes.
    PermissionDecision barge = await controller.SwitchModeAsync(benjamin.Uuid, SupervisionMode.Barge).WaitAsync(patience);
    Console.WriteLine($"A dashboard asks for barge    -> {barge}");
    Console.WriteLine($"                                 still whispering; the client hears Benjamin: {fs.Hears(call.ALeg.Uuid, benjamin.Uuid)}");

    bool asExpected = samOutcome.Kind == SupervisionAuditKind.Denied
        && benjaminOutcome.Kind == SupervisionAuditKind.Started
        && barge.Reason == DenialReason.ModeNotAllowed
        && !boundKeys.Contains("2")
        && fs.Hears(call.BLeg.Uuid, benjamin.Uuid)
        && !fs.Hears(call.ALeg.Uuid, benjamin.Uuid);
    Console.WriteLine();
    Console.WriteLine(asExpected ? "Refused, allowed and refused again, as the directory says." : "Unexpected outcome.");
    return asExpected ? 0 : 1;
}
catch (TimeoutException)
{
    await Console.Error.WriteLineAsync($"Something did not happen within {patience.TotalSeconds:0} s.");
    return 1;
}
finally
{
    await host.StopAsync().WaitAsync(patience);
}

/// <summary>
/// A hard-coded company directory: team leads may spy and whisper (not barge) on their own team. Everything else
/// is refused with a reason the audit trail shows. It is asked at the start and again on every mode switch.
/// </summary>
internal sealed class TeamLeadDirectory : ISupervisionPermissionProvider
{
    private static readonly Dictionary<string, string[]> TeamsByLead = new(StringComparer.Ordinal)
    {
        ["1010"] = ["1004", "1005"], // Benjamin leads Olivia and Sam
    };

    public ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(Decide(request));
    }

    private static PermissionDecision Decide(SupervisionRequest request)
    {
        if (!TeamsByLead.TryGetValue(request.SupervisorExtension, out string[]? team))
        {
            return PermissionDecision.Deny(DenialReason.NotASupervisor, $"{request.SupervisorExtension} is not a team lead.");
        }

        if (!team.Contains(request.AgentExtension))
        {
            return PermissionDecision.Deny(DenialReason.NotASupervisor, $"{request.AgentExtension} is not in {request.SupervisorExtension}'s team.");
        }

        return request.Mode == SupervisionMode.Barge
            ? PermissionDecision.Deny(DenialReason.ModeNotAllowed, "Team leads may spy and whisper, not barge.")
            : PermissionDecision.Allow();
    }
}
