namespace EslSupervision.Cluster;

/// <summary>
/// How a controller replica takes part in coordination: its name and the lease it holds on each supervisor leg it
/// acts on. Bound from <c>EslSupervision:Cluster:Coordination</c>; the same for every coordinator implementation.
/// </summary>
/// <remarks>Public because it is part of the settings; checked at start by <see cref="SupervisionCoordinationOptionsValidator"/>.</remarks>
public sealed class SupervisionCoordinationOptions
{
    /// <summary>The configuration section, below <c>EslSupervision</c>.</summary>
    public const string SectionName = "Cluster:Coordination";

    /// <summary>
    /// This replica's name in leases and in the cluster-wide list of supervisions: 1-64 of <c>A-Z a-z 0-9 . _ -</c>.
    /// Not set (the default): the host name and a random suffix, unique per process, so that a restarted replica
    /// never mistakes an old lease for its own.
    /// </summary>
    public string? ReplicaId { get; set; }

    /// <summary>
    /// How long a lease holds without renewal: the longest a supervision goes unadopted after its replica dies.
    /// Default 10 seconds; 1 second to 10 minutes.
    /// </summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a running supervision's lease is renewed. Default 3 seconds; at most half of <see cref="LeaseTime"/>, so one lost renewal does not lose the lease.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// While the coordinator is down, which replica refuses a service-code call is settled through the switch: each
    /// writes its id into the leg's <c>esl_supervision_refuser</c> variable unless another replica's is there, waits
    /// this long, reads it back, and only the replica still named refuses (one tone, one audit). Default 250 ms;
    /// 10 ms to 5 seconds, or zero to switch the tie-break off (every replica refuses, no extra commands). It must
    /// be longer than the time between one replica's read and write of the variable (one ESL round trip); see
    /// docs/cluster-replicas.md for what happens when it is not.
    /// </summary>
    public TimeSpan RefusalSettleWindow { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The replica id to use: <see cref="ReplicaId"/>, or a generated one.</summary>
    /// <returns>A valid replica id.</returns>
    public string ResolveReplicaId()
    {
        if (!string.IsNullOrEmpty(ReplicaId))
        {
            return ReplicaId;
        }

        string host = new([.. Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').Take(40)]);
        string suffix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        return string.IsNullOrEmpty(host) || !char.IsAsciiLetterOrDigit(host[0]) ? "replica-" + suffix : host + "-" + suffix;
    }
}
