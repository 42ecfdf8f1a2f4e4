using System.Collections.Immutable;

namespace EslSupervision.Calls;

/// <summary>
/// What a subscriber that fell behind is told instead of the changes it missed: the differences between the last
/// state it was told about and the registry's state now, as the changes a resync would report, plus the state
/// moves a resync never sees (answered, parked, unparked, ended: a resync only finds live channels).
/// </summary>
internal static class ChangeCatchUp
{
    public static List<CallChange> Between(ImmutableDictionary<string, CallLeg> seen, ImmutableDictionary<string, CallLeg> now, DateTimeOffset at)
    {
        var changes = new List<CallChange>();
        CallRegistry.Diff(seen, now, at, changes);
        foreach (CallLeg leg in now.Values)
        {
            if (!seen.TryGetValue(leg.UniqueId, out CallLeg? before) || before.State == leg.State)
            {
                continue;
            }

            CallChangeKind? kind = leg.State switch
            {
                CallLegState.Ended => CallChangeKind.ChannelEnded,
                CallLegState.Parked => CallChangeKind.ChannelParked,
                CallLegState.Answered when before.State == CallLegState.Created => CallChangeKind.ChannelAnswered,
                CallLegState.Created or CallLegState.Answered when before.State == CallLegState.Parked => CallChangeKind.ChannelUnparked,
                _ => null, // Bridged and unbridged are reported by the diff.
            };

            if (kind is { } k)
            {
                changes.Add(new CallChange(k, leg, at));
            }
        }

        return changes;
    }
}
