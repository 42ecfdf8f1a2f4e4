using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Every way to reach the agent's switch with a token it should not accept. The attacker controls a leg on switch
/// a (not through the controller: its own Event Socket client) and bridges it over the trunk to b with a token of
/// its choosing, or dials one from a phone. Each is refused on b audibly (tone, CALL_REJECTED), audited with the
/// reason, and nobody is eavesdropped on.
/// </summary>
public class CrossSwitchAttackTests
{
    private static async Task<(ClusterHarness Lab, FakeCall Olivia)> LabAsync(params string[] names)
    {
        ClusterHarness lab = await ClusterHarness.StartAsync(names.Length == 0 ? ["a", "b"] : names);
        FakeCall olivia = await lab.ClientCallsAsync("b", "1004");
        return (lab, olivia);
    }

    /// <summary>A leg on <paramref name="from"/> the controller ignores (not a service code), bridged by the attacker's own client to <paramref name="to"/> with <paramref name="token"/>.</summary>
    private static async Task<FakeChannel> SendOverTrunkAsync(ClusterHarness lab, string token, string from = "a", string to = "b")
    {
        FakeFreeSwitch origin = lab.Switches[from];
        await using var attacker = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = origin.Port, Password = "lab-secret" });
        await attacker.ConnectAsync();
        FakeChannel leg = origin.DialParked("1005", "pbx.lab", "5000");
        HashSet<string> before = [.. lab.Switches[to].Channels.Select(c => c.Uuid)];
        Task<FakeChannel> arrived = lab.Switches[to].WaitForChannelAsync(c => c.TrunkPeerUuid is not null && c.DestinationNumber == token && !before.Contains(c.Uuid)).WaitAsync(ClusterHarness.Patience);
        await attacker.ExecuteAsync(leg.Uuid, "bridge", $"sofia/gateway/to-{to}/{token}");
        return await arrived;
    }

    /// <summary>
    /// Waits for the refusal on b. A token that fails its checks is audited by the arriving leg; a genuine token
    /// refused by the decision is audited by the supervisor's leg it names (<paramref name="auditedLeg"/>), like every other entry of that supervision.
    /// </summary>
    private static async Task<SupervisionAuditEvent> RefusedAsync(ClusterHarness lab, FakeChannel arriving, FakeCall olivia, string? auditedLeg = null)
    {
        const string switchName = "b";
        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, auditedLeg ?? arriving.Uuid);
        await lab.RefusedAudiblyAsync(switchName, arriving.Uuid);
        Assert.DoesNotContain(lab.AuditTrail, e => e.Kind == SupervisionAuditKind.Started);
        Assert.Empty(lab.Cluster.ActiveSupervisions);
        Assert.False(lab.Switches["b"].Hears(olivia.BLeg.Uuid, arriving.Uuid));
        Assert.False(lab.Switches["b"].Hears(arriving.Uuid, olivia.BLeg.Uuid));
        Assert.False(lab.Switches["b"].GetChannel(olivia.BLeg.Uuid)!.IsHungUp);
        return denied;
    }

    private static SupervisionHandOff BenjaminOnOlivia(FakeCall olivia, SupervisionMode mode = SupervisionMode.Spy, string target = "b", string agentExtension = "1004", string supervisor = "1010")
        => new(new UserIdentity("pbx.lab", supervisor), "a", Guid.NewGuid().ToString(), olivia.BLeg.Uuid, agentExtension, mode, target);

    private static string Issue(ClusterHarness lab, SupervisionHandOff handOff)
    {
        Assert.True(lab.Issuer.TryIssue(handOff, out IssuedSupervisionToken? token, out string? error), error);
        return token.Destination;
    }

    [Fact]
    public async Task A_forged_token_is_refused()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync();
        await using ClusterHarness owned = lab;
        (byte[] payload, byte[] mac) = TokenKit.Split(Issue(lab, BenjaminOnOlivia(olivia)));
        mac[0] ^= 0x5a;

        FakeChannel arriving = await SendOverTrunkAsync(lab, TokenKit.Join(payload, mac));

        SupervisionAuditEvent denied = await RefusedAsync(lab, arriving, olivia);
        Assert.Equal(DenialReason.InvalidToken, denied.DenialReason);
        Assert.Contains("BadSignature", denied.Detail, StringComparison.Ordinal);
        Assert.Equal("b", denied.AgentSwitch);
    }

    [Fact]
    public async Task A_token_edited_to_another_mode_is_refused()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync();
        await using ClusterHarness owned = lab;
        SupervisionHandOff spy = BenjaminOnOlivia(olivia, SupervisionMode.Spy);

        // The spy token's signature over a payload that says barge (everything else the same).
        byte[] spyMac = TokenKit.Split(Issue(lab, spy)).Mac;
        byte[] bargePayload = TokenKit.Split(Issue(lab, spy with { Mode = SupervisionMode.Barge })).Payload;
        FakeChannel arriving = await SendOverTrunkAsync(lab, TokenKit.Join(bargePayload, spyMac));

        SupervisionAuditEvent denied = await RefusedAsync(lab, arriving, olivia);
        Assert.Contains("BadSignature", denied.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_used_once_is_refused_when_replayed()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync();
        await using ClusterHarness owned = lab;

        // A genuine supervision; the token it used is read off the wire and sent again.
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*901004");
        await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        string bridge = lab.Switches["a"].Connections.SelectMany(c => c.ReceivedCommands).Single(c => c.Contains("execute-app-name: bridge", StringComparison.Ordinal));
        string token = bridge.Split('\n').Single(l => l.StartsWith("execute-app-arg: ", StringComparison.Ordinal))["execute-app-arg: sofia/gateway/to-b/".Length..];
        Assert.StartsWith("sup-", token, StringComparison.Ordinal);

        FakeChannel replayed = await SendOverTrunkAsync(lab, token);

        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, replayed.Uuid);
        await lab.RefusedAudiblyAsync("b", replayed.Uuid);
        Assert.Contains("Replayed", denied.Detail, StringComparison.Ordinal);
        Assert.Equal(benjamin.Uuid, Assert.Single(lab.Cluster.ActiveSupervisions).SupervisorLegId);
        Assert.False(lab.Switches["b"].Hears(replayed.Uuid, olivia.BLeg.Uuid));
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync();
        await using ClusterHarness owned = lab;
        string token = Issue(lab, BenjaminOnOlivia(olivia));
        lab.TokenTime.Advance(lab.TokenOptions.TokenLifetime + lab.TokenOptions.ClockSkew + TimeSpan.FromSeconds(1));

        FakeChannel arriving = await SendOverTrunkAsync(lab, token);

        Assert.Contains("Expired", (await RefusedAsync(lab, arriving, olivia)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_for_another_switch_is_refused()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync("a", "b", "c");
        await using ClusterHarness owned = lab;

        // Signed for c, sent to b (where the agent's leg actually is).
        FakeChannel arriving = await SendOverTrunkAsync(lab, Issue(lab, BenjaminOnOlivia(olivia, target: "c")));

        Assert.Contains("WrongSwitch", (await RefusedAsync(lab, arriving, olivia)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_token_that_names_another_agent_than_the_leg_is_refused_by_the_decision_on_the_agents_switch()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync();
        await using ClusterHarness owned = lab;

        // Signed, fresh, for b; but Olivia's leg is presented as Sam's (1005), whom Benjamin may also supervise.
        SupervisionHandOff handOff = BenjaminOnOlivia(olivia, agentExtension: "1005");
        FakeChannel arriving = await SendOverTrunkAsync(lab, Issue(lab, handOff));

        SupervisionAuditEvent denied = await RefusedAsync(lab, arriving, olivia, handOff.OriginLegUuid);
        Assert.Equal(DenialReason.UnknownAgent, denied.DenialReason);
        Assert.Equal(("a", "b"), (denied.SupervisorSwitch, denied.AgentSwitch));
    }

    [Fact]
    public async Task A_valid_token_for_someone_who_may_not_supervise_is_refused_by_the_decision_on_the_agents_switch()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync();
        await using ClusterHarness owned = lab;

        // Sam (1005) is a member, not a supervisor: the identity in the token is decided again on b, fail closed.
        SupervisionHandOff handOff = BenjaminOnOlivia(olivia, supervisor: "1005", mode: SupervisionMode.Barge);
        FakeChannel arriving = await SendOverTrunkAsync(lab, Issue(lab, handOff));

        SupervisionAuditEvent denied = await RefusedAsync(lab, arriving, olivia, handOff.OriginLegUuid);
        Assert.Equal(DenialReason.NotASupervisor, denied.DenialReason);
        Assert.Equal("1005@pbx.lab", denied.Supervisor?.ToString());
    }

    [Fact]
    public async Task A_valid_token_on_a_call_the_peer_dialplan_did_not_admit_is_refused()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync();
        await using ClusterHarness owned = lab;
        string token = Issue(lab, BenjaminOnOlivia(olivia));
        lab.Switches["b"].Options.MarkSupervisionPeers = false;

        FakeChannel arriving = await SendOverTrunkAsync(lab, token);

        SupervisionAuditEvent denied = await RefusedAsync(lab, arriving, olivia);
        Assert.Equal(DenialReason.InvalidToken, denied.DenialReason);
        Assert.Contains("esl_supervision_peer", denied.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_phone_that_dials_a_valid_token_on_the_agents_switch_is_refused()
    {
        (ClusterHarness lab, FakeCall olivia) = await LabAsync();
        await using ClusterHarness owned = lab;
        string token = Issue(lab, BenjaminOnOlivia(olivia));

        FakeChannel phone = lab.Switches["b"].DialParked("1010", "pbx.lab", token);

        SupervisionAuditEvent denied = await RefusedAsync(lab, phone, olivia);
        Assert.Equal(DenialReason.InvalidToken, denied.DenialReason);
    }

    [Fact]
    public async Task A_right_taken_away_between_the_two_decisions_is_refused_on_the_agents_switch_and_the_supervisor_hears_it()
    {
        // The provider allows the first question (on a) and refuses every later one (on b): a revocation in between.
        await using ClusterHarness lab = await ClusterHarness.StartAsync(["a", "b"], provider: _ => new FirstAnswerOnly());
        FakeCall olivia = await lab.ClientCallsAsync("b", "1004");

        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*901004");

        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, benjamin.Uuid);
        Assert.Equal((DenialReason.NotASupervisor, "a", "b"), (denied.DenialReason, denied.SupervisorSwitch, denied.AgentSwitch));
        FakeChannel arriving = lab.Switches["b"].Channels.Single(c => c.TrunkPeerUuid is not null && c.Direction == "inbound");
        await lab.RefusedAudiblyAsync("b", arriving.Uuid);
        await lab.HungUpAsync("a", benjamin.Uuid);
        Assert.False(lab.Switches["b"].Hears(olivia.BLeg.Uuid, benjamin.Uuid));
        Assert.DoesNotContain(lab.AuditTrail, e => e.Kind is SupervisionAuditKind.Started or SupervisionAuditKind.Ended);
    }

    [Fact]
    public async Task When_the_agents_switch_is_unreachable_the_supervisor_is_refused_audibly_on_his_own_switch()
    {
        await using ClusterHarness lab = await ClusterHarness.StartAsync(["a", "b"], dialString: n => $"sofia/gateway/no-such-gateway-{n}/{{destination}}");
        FakeCall olivia = await lab.ClientCallsAsync("b", "1004");

        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*911004");

        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, benjamin.Uuid);
        Assert.Equal(DenialReason.SwitchUnavailable, denied.DenialReason);
        await lab.RefusedAudiblyAsync("a", benjamin.Uuid);
        Assert.False(lab.Switches["b"].Hears(olivia.BLeg.Uuid, benjamin.Uuid));
        Assert.Empty(lab.Cluster.ActiveSupervisions);
    }

    private sealed class FirstAnswerOnly : ISupervisionPermissionProvider
    {
        private int _asked;

        public ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
            => ValueTask.FromResult(Interlocked.Increment(ref _asked) == 1 ? PermissionDecision.Allow() : PermissionDecision.Deny(DenialReason.NotASupervisor, "Revoked."));
    }
}
