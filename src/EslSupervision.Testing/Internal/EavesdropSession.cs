namespace EslSupervision.Testing.Internal;

/// <summary>A running <c>eavesdrop</c> application: the supervisor's leg listening to a target leg.</summary>
internal sealed class EavesdropSession(FakeChannel supervisor, FakeChannel target, string applicationUuid, EavesdropFlags flags)
{
    public FakeChannel Supervisor { get; } = supervisor;

    public FakeChannel Target { get; } = target;

    public string ApplicationUuid { get; } = applicationUuid;

    public EavesdropFlags Flags { get; set; } = flags;
}
