using EslSupervision.Calls;

namespace EslSupervision.Tests.Calls;

/// <summary>
/// A rule of the application's own decides whose leg is whose; the registry keeps the answer only when it is safe,
/// and a broken rule makes legs nobody's instead of breaking the registry.
/// </summary>
public class AgentLegRuleTests
{
    [Fact]
    public void A_custom_rule_recognises_a_gateway_agent_leg_the_default_rule_does_not()
    {
        using var byDefault = new CallRegistry();
        using var custom = new CallRegistry(new PresenceRule());
        foreach (CallRegistry registry in new[] { byDefault, custom })
        {
            registry.Apply(Events.Make("CHANNEL_CREATE", "client", ("Call-Direction", "inbound")));
            registry.Apply(Events.Make("CHANNEL_CREATE", "desk", ("Call-Direction", "outbound"), ("variable_presence_id", "1004@pbx.lab")));
            registry.Apply(Events.Bridge("client", "desk"));
        }

        Assert.Null(byDefault.FindActiveAgentLeg("pbx.lab", "1004"));
        Assert.Equal("desk", custom.FindActiveAgentLeg("pbx.lab", "1004")?.UniqueId);
        Assert.Equal(new UserIdentity("pbx.lab", "1004"), custom.GetLeg("desk")?.Agent);
        Assert.Null(custom.GetLeg("client")?.Agent);
    }

    [Fact]
    public void A_custom_rule_that_falls_back_to_the_default_keeps_user_bridges_working()
    {
        using var registry = new CallRegistry(new PresenceRule());
        registry.Apply(Events.Client("client"));
        registry.Apply(Events.AgentReached("olivia", "1004"));
        registry.Apply(Events.Bridge("client", "olivia"));

        Assert.Equal("olivia", registry.FindActiveAgentLeg("pbx.lab", "1004")?.UniqueId);
        Assert.Null(registry.GetLeg("client")?.Agent);
    }

    [Fact]
    public void An_identity_with_characters_that_could_reach_a_command_is_discarded()
    {
        using var registry = new CallRegistry(new FixedRule(new UserIdentity("pbx.lab", "1004${hupall}")));
        registry.Apply(Events.Make("CHANNEL_CREATE", "client", ("Call-Direction", "inbound")));
        registry.Apply(Events.Make("CHANNEL_CREATE", "desk", ("Call-Direction", "outbound")));
        registry.Apply(Events.Bridge("client", "desk"));

        Assert.Null(registry.GetLeg("desk")?.Agent);
        Assert.Null(registry.FindActiveAgentLeg("pbx.lab", "1004${hupall}"));
    }

    [Fact]
    public void A_rule_that_throws_makes_the_leg_nobodys_and_the_registry_keeps_tracking_it()
    {
        using var registry = new CallRegistry(new ThrowingRule());
        registry.Apply(Events.Make("CHANNEL_CREATE", "client", ("Call-Direction", "inbound")));
        registry.Apply(Events.AgentReached("olivia", "1004"));
        registry.Apply(Events.Bridge("client", "olivia"));

        CallLeg? olivia = registry.GetLeg("olivia");
        Assert.NotNull(olivia);
        Assert.Equal(CallLegState.Bridged, olivia.State);
        Assert.Null(olivia.Agent);
        Assert.Null(registry.FindActiveAgentLeg("pbx.lab", "1004"));
    }

    [Fact]
    public void The_default_rule_never_takes_the_calling_legs_dialed_user_or_a_presence_id()
    {
        Assert.Null(DefaultAgentLegRule.Instance.Identify(new AgentLegFacts { Direction = CallDirection.Inbound, DialedUser = "1004", DialedDomain = "pbx.lab" }));
        Assert.Null(DefaultAgentLegRule.Instance.Identify(new AgentLegFacts { Direction = CallDirection.Outbound, PresenceId = "1004@pbx.lab" }));
        Assert.Equal(
            new UserIdentity("pbx.lab", "1004"),
            DefaultAgentLegRule.Instance.Identify(new AgentLegFacts { Direction = CallDirection.Outbound, DialedUser = "1004", DialedDomain = "pbx.lab" }));
    }

    [Fact]
    public void A_registry_refuses_a_missing_rule()
        => Assert.Throws<ArgumentNullException>(() => new CallRegistry(rule: null!));

    /// <summary>A PBX that reaches agents' desk phones through a gateway and marks the leg with <c>presence_id</c>.</summary>
    internal sealed class PresenceRule : IAgentLegRule
    {
        public UserIdentity? Identify(AgentLegFacts facts)
        {
            if (facts.Direction == CallDirection.Outbound && facts.DialedUser is null && facts.PresenceId?.Split('@') is [{ Length: > 0 } extension, { Length: > 0 } tenant])
            {
                return new UserIdentity(tenant, extension);
            }

            return DefaultAgentLegRule.Instance.Identify(facts);
        }
    }

    private sealed class FixedRule(UserIdentity identity) : IAgentLegRule
    {
        public UserIdentity? Identify(AgentLegFacts facts) => facts.Direction == CallDirection.Outbound ? identity : null;
    }

    private sealed class ThrowingRule : IAgentLegRule
    {
        public UserIdentity? Identify(AgentLegFacts facts) => throw new InvalidOperationException("the PBX's directory is down");
    }
}
