using EslSupervision.Cluster;
using EslSupervision.Control;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// The running supervisions as the dashboard shows them: every replica's (so a supervisor sees theirs whichever
/// replica serves the page), or, while the replicas' coordinator cannot answer, this replica's own, marked partial.
/// </summary>
internal static class RunningSupervisions
{
    public static async Task<(IReadOnlyList<SupervisionInfo> List, bool Partial)> ReadAsync(ISupervisionOperations operations, CancellationToken cancellationToken)
    {
        try
        {
            return (await operations.ListActiveSupervisionsAsync(cancellationToken).ConfigureAwait(false), false);
        }
        catch (SupervisionCoordinationException)
        {
            // Better a page with this replica's supervisions and a banner than no page: the marker says the list is partial.
            return (operations.ActiveSupervisions, true);
        }
    }
}
