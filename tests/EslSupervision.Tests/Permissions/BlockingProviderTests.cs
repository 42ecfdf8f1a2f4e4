using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Control;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Permissions;

/// <summary>PermissionTimeout bounds a provider even when it blocks its calling thread; nobody else waits for it.</summary>
public class BlockingProviderTests
{
    /// <summary>Blocks the calling thread (as <c>.Result</c> on a slow directory would) for Mia; answers from the ring groups for everyone else.</summary>
    private sealed class BlockingForMia(ISupervisionPermissionProvider inner, ManualResetEventSlim release) : ISupervisionPermissionProvider
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
        {
            if (request.SupervisorExtension == "1012")
            {
                Entered.TrySetResult();
                release.Wait(CancellationToken.None); // Ignores its token on purpose, before returning a task.
                return ValueTask.FromResult(PermissionDecision.Allow()); // A late "yes" that must be ignored.
            }

            return inner.AuthorizeAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task A_provider_that_blocks_its_thread_is_denied_at_the_timeout_while_other_supervisions_go_on()
    {
        using var release = new ManualResetEventSlim();
        var time = new FakeTimeProvider();
        SupervisionOptions options = SupervisionHarness.LabOptions();
        var monitor = new TestOptionsMonitor<SupervisionOptions>(options);
        var provider = new BlockingForMia(new RingGroupPermissionProvider(monitor), release);
        await using var lab = await SupervisionHarness.StartAsync(options, provider, time);
        try
        {
            FakeCall olivia = await lab.OliviaTalksToAClientAsync();
            await lab.CallAsync(fs => fs.ClientCallsAgent("4915550002", "Client 2", "5552000", "1011", "pbx.lab"), "1011");

            FakeChannel mia = lab.Switch.DialParked("1012", "pbx.lab", "*901011");
            await provider.Entered.Task.WaitAsync(SupervisionHarness.Patience);

            // While Mia's provider call is stuck, Benjamin is served and his keys work.
            FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");
            await lab.Switch.PressDigitAsync(benjamin.Uuid, '2');
            await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.SupervisorLegId == benjamin.Uuid && e.Mode == SupervisionMode.Barge);
            Assert.True(lab.Switch.Hears(olivia.ALeg.Uuid, benjamin.Uuid));
            Assert.DoesNotContain(lab.AuditTrail, e => e.SupervisorLegId == mia.Uuid && e.Kind is SupervisionAuditKind.Denied or SupervisionAuditKind.Started);

            time.Advance(options.PermissionTimeout);

            SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, mia.Uuid);
            Assert.Equal(DenialReason.ProviderTimeout, denied.DenialReason);
            Assert.Equal("CALL_REJECTED", (await lab.HungUpAsync(mia.Uuid)).HangupCause);
            Assert.Null(lab.Switch.GetEavesdropTarget(mia.Uuid));
        }
        finally
        {
            release.Set();
        }

        // The late "yes" changes nothing.
        Assert.DoesNotContain(lab.AuditTrail, e => e.Kind == SupervisionAuditKind.Started && e.Supervisor?.Extension == "1012");
    }
}
