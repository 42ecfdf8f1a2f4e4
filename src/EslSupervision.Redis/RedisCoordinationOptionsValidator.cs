using EslSupervision.Cluster;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EslSupervision.Redis;

/// <summary>Checks <see cref="RedisCoordinationOptions"/> (use it with <c>ValidateOnStart</c>). Messages never quote the connection string.</summary>
/// <remarks>Public because an application that builds the options its own way checks them with the same rules.</remarks>
public sealed class RedisCoordinationOptionsValidator : IValidateOptions<RedisCoordinationOptions>
{
    internal static readonly TimeSpan MinOperationTimeout = TimeSpan.FromMilliseconds(10);
    internal static readonly TimeSpan MaxOperationTimeout = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan MinConnectTimeout = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(60);

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, RedisCoordinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("ConnectionString is required: where the replicas' Redis is (for example host:6379,password=...).");
        }
        else if (!TryParse(options.ConnectionString))
        {
            failures.Add("ConnectionString is not a StackExchange.Redis configuration string (value not shown).");
        }

        if (!CoordinationArguments.IsOwner(options.KeyPrefix))
        {
            failures.Add("KeyPrefix must be 1-64 of the characters A-Z a-z 0-9 . _ - and start with a letter or digit.");
        }

        if (options.OperationTimeout < MinOperationTimeout || options.OperationTimeout > MaxOperationTimeout)
        {
            failures.Add("OperationTimeout must be between 10 ms and 30 seconds.");
        }

        if (options.ConnectTimeout < MinConnectTimeout || options.ConnectTimeout > MaxConnectTimeout)
        {
            failures.Add("ConnectTimeout must be between 100 ms and 60 seconds.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool TryParse(string connectionString)
    {
        try
        {
            return ConfigurationOptions.Parse(connectionString).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }
}
