using EslSupervision.Calls;
using EslSupervision.Permissions;
using EslSupervision.Tests.Calls;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace EslSupervision.Tests.Permissions;

/// <summary>The authorizer asks <see cref="ITenantPolicy"/> whether supervision is on, and fails closed on it.</summary>
public class TenantPolicyTests
{
    private const string ClientLeg = "c1111111-0000-0000-0000-000000000001";
    private const string AgentLeg = "a1004000-0000-0000-0000-000000000001";
    private const string SupervisorLeg = "51010000-0000-0000-0000-000000000001";

    private readonly CallRegistry _registry = new();
    private readonly FakeTimeProvider _time = new();
    private readonly TestOptionsMonitor<SupervisionOptions> _options = new(RingGroupPermissionProviderTests.LabOptions());

    public TenantPolicyTests()
    {
        _registry.Apply(Events.Client(ClientLeg));
        _registry.Apply(Events.AgentReached(AgentLeg, "1004"));
        _registry.Apply(Events.Bridge(ClientLeg, AgentLeg));
        _registry.Apply(Events.UserLeg(SupervisorLeg, "1010"));
    }

    private static SupervisionAttempt Attempt() => new(SupervisorLeg, "1010", "pbx.lab", "1004", SupervisionMode.Spy);

    private SupervisionAuthorizer Authorizer(ITenantPolicy policy, ISupervisionPermissionProvider? provider = null)
        => new(provider ?? new RingGroupPermissionProvider(_options), _registry, _options, _time, tenantPolicy: policy);

    [Fact]
    public async Task The_policy_is_asked_with_the_supervisors_authenticated_domain_and_can_switch_a_configured_tenant_on()
    {
        _options.CurrentValue.Tenants.Clear();
        var policy = new Mock<ITenantPolicy>();
        policy.Setup(p => p.IsEnabledAsync("pbx.lab", It.IsAny<CancellationToken>())).ReturnsAsync(true);

        SupervisionAuthorization result = await Authorizer(policy.Object).AuthorizeAsync(Attempt());

        Assert.True(result.IsAllowed, result.Decision.ToString());
        Assert.Equal(AgentLeg, result.AgentLeg!.UniqueId);
    }

    [Fact]
    public async Task A_no_from_the_policy_denies_before_the_permission_provider_is_asked()
    {
        var provider = new Mock<ISupervisionPermissionProvider>(MockBehavior.Strict);
        var policy = new Mock<ITenantPolicy>();
        policy.Setup(p => p.IsEnabledAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);

        SupervisionAuthorization result = await Authorizer(policy.Object, provider.Object).AuthorizeAsync(Attempt());

        Assert.False(result.IsAllowed);
        Assert.Equal(DenialReason.SupervisionDisabled, result.Decision.Reason);
        provider.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task A_throwing_policy_denies()
    {
        var policy = new Mock<ITenantPolicy>();
        policy.Setup(p => p.IsEnabledAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("database down"));

        SupervisionAuthorization result = await Authorizer(policy.Object).AuthorizeAsync(Attempt());

        Assert.False(result.IsAllowed);
        Assert.Equal(DenialReason.SupervisionDisabled, result.Decision.Reason);
        Assert.Equal("The tenant policy failed.", result.Decision.Detail);
    }

    [Fact]
    public async Task A_policy_that_never_answers_is_denied_at_the_permission_timeout()
    {
        var never = new TaskCompletionSource<bool>();
        var policy = new Mock<ITenantPolicy>();
        policy.Setup(p => p.IsEnabledAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(new ValueTask<bool>(never.Task));

        ValueTask<SupervisionAuthorization> pending = Authorizer(policy.Object).AuthorizeAsync(Attempt());
        Assert.False(pending.IsCompleted);
        _time.Advance(_options.CurrentValue.PermissionTimeout);
        SupervisionAuthorization result = await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(result.IsAllowed);
        Assert.Equal(DenialReason.SupervisionDisabled, result.Decision.Reason);
        Assert.Equal("The tenant policy did not answer in time.", result.Decision.Detail);
    }
}
