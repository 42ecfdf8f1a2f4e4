using EslSupervision.Calls;
using EslSupervision.Permissions;
using EslSupervision.Tests.Calls;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace EslSupervision.Tests.Permissions;

public class SupervisionAuthorizerTests
{
    private const string ClientLeg = "c1111111-0000-0000-0000-000000000001";
    private const string AgentLeg = "a1004000-0000-0000-0000-000000000001";
    private const string SupervisorLeg = "51010000-0000-0000-0000-000000000001";

    private readonly CallRegistry _registry = new();
    private readonly FakeTimeProvider _time = new();
    private readonly TestOptionsMonitor<SupervisionOptions> _options = new(RingGroupPermissionProviderTests.LabOptions());

    public SupervisionAuthorizerTests()
    {
        _registry.Apply(Events.Client(ClientLeg));
        _registry.Apply(Events.AgentReached(AgentLeg, "1004"));
        _registry.Apply(Events.Bridge(ClientLeg, AgentLeg));
        _registry.Apply(Events.UserLeg(SupervisorLeg, "1010"));
    }

    private SupervisionAuthorizer Authorizer(ISupervisionPermissionProvider? provider = null)
        => new(provider ?? new RingGroupPermissionProvider(_options), _registry, _options, _time);

    private static SupervisionAttempt Attempt(string agent = "1004", SupervisionMode mode = SupervisionMode.Whisper, string? user = "1010", string? domain = "pbx.lab")
        => new(SupervisorLeg, user, domain, agent, mode);

    [Fact]
    public async Task Allows_a_supervisor_and_names_the_agents_own_leg()
    {
        SupervisionAuthorization result = await Authorizer().AuthorizeAsync(Attempt());

        Assert.True(result.IsAllowed, result.Decision.ToString());
        Assert.Equal(AgentLeg, result.AgentLeg!.UniqueId);
    }

    [Fact]
    public async Task Falls_back_to_the_registrys_authenticated_user_of_the_leg()
    {
        Assert.True((await Authorizer().AuthorizeAsync(Attempt(user: null, domain: null))).IsAllowed);
    }

    public static TheoryData<string, DenialReason> GuardCases => new()
    {
        { "disabled", DenialReason.SupervisionDisabled },
        { "unlisted", DenialReason.SupervisionDisabled },
        { "unauthenticated", DenialReason.Unauthenticated },
        { "self", DenialReason.SelfSupervision },
        { "not-on-call", DenialReason.AgentNotOnCall },
        { "cross-tenant-target", DenialReason.CrossTenant },
        { "supervisor-leg-target", DenialReason.TargetIsSupervisorLeg },
        { "bad-extension", DenialReason.InvalidServiceCode },
    };

    [Theory]
    [MemberData(nameof(GuardCases))]
    public async Task Guards_deny_before_the_provider_is_asked(string scenario, DenialReason expected)
    {
        var provider = new Mock<ISupervisionPermissionProvider>(MockBehavior.Strict);
        SupervisionAttempt attempt = Attempt();
        switch (scenario)
        {
            case "disabled":
                _options.CurrentValue.Tenants["pbx.lab"].Enabled = false;
                break;
            case "unlisted":
                _options.CurrentValue.Tenants.Remove("pbx.lab");
                break;
            case "unauthenticated":
                _registry.Apply(Events.Make("CHANNEL_CREATE", "anon", ("Call-Direction", "inbound")));
                attempt = attempt with { SupervisorLegId = "anon", SupervisorUserName = null, SupervisorDomain = null };
                break;
            case "self":
                attempt = attempt with { AgentExtension = "1010" };
                break;
            case "not-on-call":
                attempt = attempt with { AgentExtension = "1005" };
                break;
            case "cross-tenant-target":
                _registry.Apply(Events.AgentReached("foreign", "1004", domain: "other.lab"));
                _registry.Apply(Events.Client("foreign-client"));
                _registry.Apply(Events.Bridge("foreign-client", "foreign"));
                attempt = attempt with { TargetLegId = "foreign" };
                break;
            case "supervisor-leg-target":
                _registry.Apply(Events.UserLeg("other-sup", "1004"));
                _registry.Apply(Events.Eavesdrop("other-sup", ClientLeg));
                attempt = attempt with { TargetLegId = "other-sup" };
                break;
            case "bad-extension":
                attempt = attempt with { AgentExtension = "10\r\n04" };
                break;
        }

        SupervisionAuthorization result = await Authorizer(provider.Object).AuthorizeAsync(attempt);

        Assert.False(result.IsAllowed);
        Assert.Equal(expected, result.Decision.Reason);
        provider.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_ring_group_loser_that_answered_is_not_on_a_call()
    {
        _registry.Apply(Events.AgentReached("loser", "1005"));
        _registry.Apply(Events.Make("CHANNEL_ANSWER", "loser"));

        SupervisionAuthorization result = await Authorizer().AuthorizeAsync(Attempt(agent: "1005"));

        Assert.Equal(DenialReason.AgentNotOnCall, result.Decision.Reason);
    }

    [Fact]
    public async Task Denies_once_the_agents_call_is_unbridged()
    {
        _registry.Apply(Events.Unbridge(ClientLeg, AgentLeg));

        Assert.Equal(DenialReason.AgentNotOnCall, (await Authorizer().AuthorizeAsync(Attempt())).Decision.Reason);
    }

    [Fact]
    public async Task The_provider_decides_after_the_guards()
    {
        SupervisionAuthorization result = await Authorizer().AuthorizeAsync(Attempt(agent: "1004") with { SupervisorUserName = "1011", Mode = SupervisionMode.Barge });

        Assert.Equal(DenialReason.ModeNotAllowed, result.Decision.Reason);
    }

    [Fact]
    public async Task A_throwing_provider_denies()
    {
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("boom"));

        Assert.Equal(DenialReason.ProviderError, (await Authorizer(provider.Object).AuthorizeAsync(Attempt())).Decision.Reason);
    }

    [Fact]
    public async Task A_provider_throwing_synchronously_denies()
    {
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>())).Throws(new InvalidOperationException("boom"));

        Assert.Equal(DenialReason.ProviderError, (await Authorizer(provider.Object).AuthorizeAsync(Attempt())).Decision.Reason);
    }

    [Fact]
    public async Task A_provider_returning_null_denies()
    {
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>())).Returns(new ValueTask<PermissionDecision>((PermissionDecision)null!));

        Assert.Equal(DenialReason.ProviderError, (await Authorizer(provider.Object).AuthorizeAsync(Attempt())).Decision.Reason);
    }

    [Fact]
    public async Task A_provider_that_ignores_cancellation_and_hangs_is_denied_at_the_timeout()
    {
        var never = new TaskCompletionSource<PermissionDecision>();
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>())).Returns(new ValueTask<PermissionDecision>(never.Task));

        ValueTask<SupervisionAuthorization> pending = Authorizer(provider.Object).AuthorizeAsync(Attempt());
        Assert.False(pending.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(pending.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.2));

        Assert.Equal(DenialReason.ProviderTimeout, (await pending).Decision.Reason);
    }

    [Fact]
    public async Task A_provider_that_honours_cancellation_is_denied_at_the_timeout()
    {
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async (SupervisionRequest _, CancellationToken ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return PermissionDecision.Allow();
            });

        ValueTask<SupervisionAuthorization> pending = Authorizer(provider.Object).AuthorizeAsync(Attempt());
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(DenialReason.ProviderTimeout, (await pending).Decision.Reason);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_turned_into_a_decision()
    {
        var never = new TaskCompletionSource<PermissionDecision>();
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>())).Returns(new ValueTask<PermissionDecision>(never.Task));
        using var cts = new CancellationTokenSource();

        ValueTask<SupervisionAuthorization> pending = Authorizer(provider.Object).AuthorizeAsync(Attempt(), cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
    }

    [Fact]
    public async Task The_provider_gets_the_authenticated_identity_not_the_caller_id()
    {
        SupervisionRequest? seen = null;
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>()))
            .Callback((SupervisionRequest r, CancellationToken _) => seen = r)
            .ReturnsAsync(PermissionDecision.Allow());

        Assert.True((await Authorizer(provider.Object).AuthorizeAsync(Attempt(mode: SupervisionMode.Barge))).IsAllowed);
        Assert.Equal(new SupervisionRequest("pbx.lab", "1010", "1004", SupervisionMode.Barge), seen);
    }
}
