using System.Reactive;
using System.Reactive.Subjects;
using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Permissions;

namespace EslSupervision.Tests.Control;

/// <summary>Running supervisions are re-checked when settings reload or the provider signals a change.</summary>
public class RevocationTests
{
    private static async Task<SupervisionAuditEvent> RevokedAsync(SupervisionHarness lab, FakeChannel supervisor, FakeCall call)
    {
        SupervisionAuditEvent ended = await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, supervisor.Uuid);
        Assert.Equal(SupervisionEndReason.PermissionRevoked, ended.EndReason);
        await lab.HungUpAsync(supervisor.Uuid);
        Assert.False(lab.Switch.Hears(supervisor.Uuid, call.BLeg.Uuid));
        Assert.False(lab.Switch.Hears(supervisor.Uuid, call.ALeg.Uuid));
        Assert.Null(lab.Switch.GetEavesdropTarget(supervisor.Uuid));
        Assert.False(lab.Switch.GetChannel(call.BLeg.Uuid)!.IsHungUp); // The agent's call goes on.
        Assert.Empty(lab.Controller.ActiveSupervisions);
        return ended;
    }

    [Fact]
    public async Task A_supervisor_removed_from_the_ring_group_is_cut_off()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");
        Assert.True(lab.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));

        SupervisionOptions reloaded = SupervisionHarness.LabOptions();
        reloaded.RingGroups[0].Members.RemoveAll(m => m.Extension == "1010");
        lab.Options.CurrentValue = reloaded;

        SupervisionAuditEvent ended = await RevokedAsync(lab, benjamin, call);
        Assert.Equal(DenialReason.NotASupervisor, ended.DenialReason);
    }

    [Fact]
    public async Task A_supervisor_who_lost_only_whisper_is_moved_to_spy()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*911004");
        Assert.True(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid)); // Whisper: Olivia hears Benjamin.

        SupervisionOptions reloaded = SupervisionHarness.LabOptions();
        reloaded.RingGroups[0].Members.Single(m => m.Extension == "1010").AllowedModes = [SupervisionMode.Spy];
        lab.Options.CurrentValue = reloaded;

        SupervisionAuditEvent moved = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.SupervisorLegId == benjamin.Uuid);
        Assert.Equal(SupervisionMode.Spy, moved.Mode);
        Assert.Equal(SupervisionMode.Whisper, moved.PreviousMode);
        Assert.Equal(SupervisionTrigger.PermissionChange, moved.Trigger);
        Assert.False(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
        Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
        Assert.True(lab.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));
        Assert.Equal(SupervisionMode.Spy, Assert.Single(lab.Controller.ActiveSupervisions).Mode);
    }

    [Fact]
    public async Task A_tenant_switched_off_ends_its_running_supervisions()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*921004");
        Assert.True(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid)); // Barge: the client hears Benjamin.

        SupervisionOptions reloaded = SupervisionHarness.LabOptions();
        reloaded.Tenants["pbx.lab"].Enabled = false;
        lab.Options.CurrentValue = reloaded;

        SupervisionAuditEvent ended = await RevokedAsync(lab, benjamin, call);
        Assert.Equal(DenialReason.SupervisionDisabled, ended.DenialReason);
        Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
    }

    [Fact]
    public async Task A_provider_change_signal_ends_a_supervision_it_no_longer_allows()
    {
        var provider = new SwitchableProvider();
        await using var lab = await SupervisionHarness.StartAsync(provider: provider);
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");

        provider.Allowed = false;
        provider.Signal();

        SupervisionAuditEvent ended = await RevokedAsync(lab, benjamin, call);
        Assert.Equal(DenialReason.NotASupervisor, ended.DenialReason);
    }

    [Fact]
    public async Task An_unrelated_reload_leaves_running_supervisions_alone()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");

        SupervisionOptions reloaded = SupervisionHarness.LabOptions();
        reloaded.RingGroups[1].Members.RemoveAll(m => m.Extension == "1012");
        lab.Options.CurrentValue = reloaded;

        // The re-check is queued behind this switch on Benjamin's session: once the switch is audited, the re-check ran.
        await lab.Switch.PressDigitAsync(benjamin.Uuid, '1');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.SupervisorLegId == benjamin.Uuid);
        Assert.DoesNotContain(lab.AuditTrail, e => e.Kind == SupervisionAuditKind.Ended);
        Assert.True(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
    }

    private sealed class SwitchableProvider : ISupervisionPermissionProvider, ISupervisionPermissionChangeSource
    {
        private readonly Subject<Unit> _changes = new();

        public volatile bool Allowed = true;

        public IObservable<Unit> PermissionsChanged => _changes;

        public void Signal() => _changes.OnNext(Unit.Default);

        public ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
            => ValueTask.FromResult(Allowed ? PermissionDecision.Allow() : PermissionDecision.Deny(DenialReason.NotASupervisor, "Removed from the directory."));
    }
}
