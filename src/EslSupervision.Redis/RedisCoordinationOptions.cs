namespace EslSupervision.Redis;

/// <summary>
/// Where the controller replicas meet in Redis. Bound from <c>EslSupervision:Cluster:Redis</c> and checked at start
/// by <see cref="RedisCoordinationOptionsValidator"/>.
/// </summary>
/// <remarks>Public because it is the package's settings. <see cref="ToString"/> never shows the connection string,
/// which may hold a password.</remarks>
public sealed class RedisCoordinationOptions
{
    /// <summary>The configuration section, below the application's root.</summary>
    public const string SectionName = "EslSupervision:Cluster:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string, for example <c>redis-1:6379,password=...,ssl=true</c>. Required; no
    /// default. The package sets its own timeouts and failure behaviour over whatever this says about them.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Put before every key, inside braces so that every key of one deployment lands in the same Redis Cluster slot
    /// (the scripts touch several keys at once): <c>{esl-supervision}:lease:...</c>. Default <c>esl-supervision</c>;
    /// 1-64 of <c>A-Z a-z 0-9 . _ -</c>. Different deployments sharing one Redis need different prefixes.
    /// </summary>
    public string KeyPrefix { get; set; } = "esl-supervision";

    /// <summary>
    /// The longest any Redis call may take before it fails with
    /// <see cref="Cluster.SupervisionCoordinationException"/> (the caller then acts as if it held no lease).
    /// Default 1 second; 10 ms to 30 seconds.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one connection attempt may take. Default 2 seconds; 100 ms to 60 seconds. Reconnection goes on in the background.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Describes the settings without the connection string.</summary>
    public override string ToString()
        => $"RedisCoordinationOptions {{ ConnectionString = {(string.IsNullOrEmpty(ConnectionString) ? "(not set)" : "(set)")}, KeyPrefix = {KeyPrefix}, OperationTimeout = {OperationTimeout}, ConnectTimeout = {ConnectTimeout} }}";
}
