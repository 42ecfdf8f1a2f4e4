using System.Text;
using System.Text.RegularExpressions;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.TestSupport;
using EslSupervision.Tests.Permissions;

namespace EslSupervision.Tests.Control;

/// <summary>
/// The controller fed with the events a real FreeSWITCH 1.10.12 sent, through a mocked connection: it must reach
/// the decisions the captured controller made (which leg to eavesdrop, which eavesdrop-command per key, when to
/// hang the supervisor up).
/// </summary>
public partial class CaptureDrivenControllerTests
{
    /// <summary>The audit trail as delivered (asynchronously) to a subscriber, with a way to wait for an entry.</summary>
    private sealed class AuditCollector : List<SupervisionAuditEvent>
    {
        private readonly List<(SupervisionAuditKind Kind, TaskCompletionSource Signal)> _waiters = [];

        public void Add(SupervisionAuditEvent entry, object gate)
        {
            lock (gate)
            {
                Add(entry);
                foreach (var w in _waiters.Where(w => w.Kind == entry.Kind).ToList())
                {
                    w.Signal.TrySetResult();
                    _waiters.Remove(w);
                }
            }
        }

        public Task WaitForAsync(SupervisionAuditKind kind)
        {
            lock (this)
            {
                if (this.Any(e => e.Kind == kind))
                {
                    return Task.CompletedTask;
                }

                var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((kind, signal));
                return signal.Task.WaitAsync(SupervisionHarness.Patience);
            }
        }
    }

    private static async Task<(SupervisionController Controller, RecordingConnection Connection, AuditCollector Audit)> StartAsync(Func<string, string?, string>? api = null)
    {
        var connection = new RecordingConnection(api);
        var options = new TestOptionsMonitor<SupervisionOptions>(SupervisionHarness.LabOptions());
        var registry = new CallRegistry();
        var authorizer = new SupervisionAuthorizer(new RingGroupPermissionProvider(options), registry, options);
        var controller = new SupervisionController(connection.Object, registry, authorizer, options);
        var audit = new AuditCollector();
        controller.Audit.Subscribe(e => audit.Add(e, audit));
        await controller.StartAsync().WaitAsync(SupervisionHarness.Patience);
        return (controller, connection, audit);
    }

    /// <summary>What the captured controller sent: its eavesdrop target and its eavesdrop-command values, in order.</summary>
    private static (string Target, string[] Commands) CapturedDecisions(string capture)
    {
        string client = Encoding.UTF8.GetString(Captures.Client(capture));
        string target = EavesdropArg().Match(client).Groups[1].Value;
        string[] commands = EavesdropCommand().Matches(client).Select(m => m.Groups[1].Value).ToArray();
        return (target, commands);
    }

    /// <summary>Replays the capture's events; the eavesdrop's Application-UUID is the one this controller chose.</summary>
    private static async Task ReplayAsync(RecordingConnection connection, string capture, string supervisorLeg)
    {
        string? capturedEavesdropUuid = null;
        foreach (EslEvent e in CaptureReplay.Load(capture).Events)
        {
            EslEvent replayed = e;
            if (e.EventName == "CHANNEL_EXECUTE" && e["Application"] == "eavesdrop" && e.UniqueId == supervisorLeg)
            {
                capturedEavesdropUuid = e["Application-UUID"];
            }

            if (capturedEavesdropUuid is not null && e["Application-UUID"] == capturedEavesdropUuid && connection.EavesdropEventUuid is { } ours)
            {
                replayed = EslEvent.Create(e.Headers.Select(h => h.Key == "Application-UUID" ? new KeyValuePair<string, string>(h.Key, ours) : h));
            }

            int sentBefore = connection.Commands.Count(c => c.StartsWith("sendevent", StringComparison.Ordinal));
            connection.Push(replayed);
            if (e.EventName == "CHANNEL_PARK" && e.UniqueId == supervisorLeg)
            {
                // The real switch ran the set-up only after the controller sent it.
                await connection.WaitForAsync(c => c.Contains(" eavesdrop ", StringComparison.Ordinal));
            }
            else if (e.EventName == "CHANNEL_EXECUTE_COMPLETE" && e["Application"] == "eavesdrop" && e.UniqueId == supervisorLeg)
            {
                // Everything after this the switch sent because the controller hung the supervisor up.
                await connection.WaitForAsync(c => c == $"execute {supervisorLeg} hangup NORMAL_CLEARING");
            }
            else if (e.EventName == "CHANNEL_APPLICATION" && e["ESL-Supervision-Digit"] is not null)
            {
                await connection.WaitForAsync(c => c.StartsWith("sendevent", StringComparison.Ordinal), sentBefore + 1);
            }
        }
    }

    [Theory]
    [InlineData("supervision-client-calls-agent", "902a4080-a5fb-45b3-8b11-e26d4c60226b", SupervisionMode.Spy)]
    [InlineData("supervision-agent-calls-client", "6269ac70-0015-4df3-8e1e-e30c5bfcebba", SupervisionMode.Barge)]
    public async Task The_controller_makes_the_decisions_the_real_switch_saw(string capture, string supervisorLeg, SupervisionMode initial)
    {
        var (controller, connection, audit) = await StartAsync();
        await using (controller)
        {
            await ReplayAsync(connection, capture, supervisorLeg);
            await connection.WaitForAsync(c => c == $"execute {supervisorLeg} hangup NORMAL_CLEARING");
            await audit.WaitForAsync(SupervisionAuditKind.Ended); // Audit is delivered asynchronously.

            var (target, captured) = CapturedDecisions(capture);
            Assert.Contains($"execute {supervisorLeg} eavesdrop {target}", connection.Commands);
            string[] ours = connection.Commands.Where(c => c.StartsWith("sendevent", StringComparison.Ordinal))
                .Select(c => EavesdropCommand().Match(c.Replace("eavesdrop-command=", "eavesdrop-command: ", StringComparison.Ordinal)).Groups[1].Value)
                .ToArray();
            Assert.Equal(captured, ours);
            Assert.All(connection.Commands.Where(c => c.StartsWith("sendevent", StringComparison.Ordinal)), c => Assert.Contains($"Unique-ID={supervisorLeg}", c, StringComparison.Ordinal));

            lock (audit)
            {
                SupervisionAuditEvent started = audit.Single(e => e.Kind == SupervisionAuditKind.Started);
                Assert.Equal(initial, started.Mode);
                Assert.Equal("1004@pbx.lab", started.Agent?.ToString());
                Assert.Equal(SupervisionEndReason.AgentCallEnded, audit.Single(e => e.Kind == SupervisionAuditKind.Ended).EndReason);
            }
        }
    }

    [Fact]
    public async Task After_a_restart_the_running_supervision_is_adopted_from_the_switch_and_keys_work_again()
    {
        CaptureReplay replay = CaptureReplay.Load("resync-during-supervision");
        string showChannels = replay.ApiResponses[0];
        string showCalls = replay.ApiResponses[1];
        string dumpSupervisor = replay.ApiResponses[2];
        string dumpAgent = replay.ApiResponses[4];
        const string supervisor = "4cb3fecc-55e9-4b7e-9ce7-2dcececaf1ef";
        const string agent = "864e5ad6-c9a5-4587-bb8d-cf5cf393235a";
        const string client = "cae147de-5ff6-4238-b1a4-df0d3d5c0170";
        var (controller, connection, audit) = await StartAsync((command, args) => (command, args) switch
        {
            ("show", "channels as json") => showChannels,
            ("show", "calls as json") => showCalls,
            ("uuid_dump", $"{supervisor} json") => dumpSupervisor,
            ("uuid_dump", $"{agent} json") => dumpAgent,
            // The captured controller never dumped the client's leg; a real switch would answer with its data.
            ("uuid_dump", $"{client} json") => $$"""{"Unique-ID":"{{client}}","Call-Direction":"inbound","Answer-State":"answered"}""",
            ("uuid_dump", _) => "-ERR No such channel!\n",
            _ => "+OK\n",
        });
        await using (controller)
        {
            SupervisionInfo adopted = Assert.Single(controller.ActiveSupervisions);
            Assert.Equal(agent, adopted.AgentLegId);
            Assert.Equal(SupervisionMode.Whisper, adopted.Mode);
            await audit.WaitForAsync(SupervisionAuditKind.Adopted);
            lock (audit)
            {
                Assert.Equal(SupervisionAuditKind.Adopted, Assert.Single(audit).Kind);
            }

            foreach (EslEvent e in replay.Events)
            {
                connection.Push(e);
                if (e.EventName == "CHANNEL_APPLICATION")
                {
                    await connection.WaitForAsync(c => c.StartsWith("api uuid_setvar", StringComparison.Ordinal));
                }
                else if (e.EventName == "CHANNEL_EXECUTE_COMPLETE" && e["Application"] == "eavesdrop")
                {
                    await connection.WaitForAsync(c => c == $"execute {supervisor} hangup NORMAL_CLEARING");
                }
            }

            await connection.WaitForAsync(c => c == $"execute {supervisor} hangup NORMAL_CLEARING");

            // Exactly what the captured (restarted) controller sent.
            Assert.Contains($"sendevent CUSTOM Event-Subclass=esl_supervision::mode Unique-ID={supervisor} eavesdrop-command=3", connection.Commands);
            Assert.Contains($"api uuid_setvar {supervisor} esl_supervision_mode barge", connection.Commands);
        }
    }

    [GeneratedRegex(@"execute-app-name: eavesdrop\nexecute-app-arg: ([0-9a-f-]+)")]
    private static partial Regex EavesdropArg();

    [GeneratedRegex(@"eavesdrop-command: (\S+)")]
    private static partial Regex EavesdropCommand();
}
