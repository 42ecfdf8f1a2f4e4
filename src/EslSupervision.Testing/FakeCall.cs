namespace EslSupervision.Testing;

/// <summary>The legs of a scripted call.</summary>
/// <param name="ALeg">The calling leg (inbound).</param>
/// <param name="BLeg">The answering (bridged) leg (outbound).</param>
public sealed record FakeCall(FakeChannel ALeg, FakeChannel BLeg)
{
    /// <summary>Ring-group legs that were answered but lost the race (hung up with <c>LOSE_RACE</c>).</summary>
    public IReadOnlyList<FakeChannel> LosingLegs { get; init; } = [];
}
