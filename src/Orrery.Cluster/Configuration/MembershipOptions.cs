using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Orrery.Cluster.Configuration;

/// <summary>Where Orleans keeps the cluster's membership table (configuration section <c>Membership</c>).</summary>
public sealed class MembershipOptions
{
    /// <summary>
    /// <c>redis</c> (Orleans's Redis clustering, for clusters of silo processes) or <c>memory</c> (Orleans's development
    /// clustering: a single silo, or silos that name the first as primary). Default: <c>memory</c>.
    /// </summary>
    public string Table { get; set; } = "memory";

    /// <summary>The Redis connection, used when <see cref="Table"/> is <c>redis</c>. Default: localhost:6379.</summary>
    public RedisOptions Redis { get; set; } = new();

    /// <summary>Throws <see cref="OptionsValidationException"/> naming the first bad setting and the fix.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Table is not ("redis" or "memory"))
        {
            errors.Add($"Membership:Table is '{Table}'; it must be 'redis' or 'memory'");
        }

        if (Table == "redis")
        {
            if (string.IsNullOrWhiteSpace(Redis.ConnectionString))
            {
                errors.Add("Membership:Redis:ConnectionString is empty; it must name a Redis endpoint such as 127.0.0.1:6379");
            }
            else
            {
                try
                {
                    if (ConfigurationOptions.Parse(Redis.ConnectionString).EndPoints.Count == 0)
                    {
                        errors.Add($"Membership:Redis:ConnectionString '{Redis.ConnectionString}' names no endpoint; it must name one such as 127.0.0.1:6379");
                    }
                }
                catch (ArgumentException e)
                {
                    errors.Add($"Membership:Redis:ConnectionString could not be parsed ({e.Message}); it must name a Redis endpoint such as 127.0.0.1:6379");
                }
            }

            if (Redis.StartupWait < TimeSpan.Zero)
            {
                errors.Add($"Membership:Redis:StartupWait is {Redis.StartupWait}; it must be zero (no waiting) or more, such as 00:01:30");
            }
        }

        OptionChecks.ThrowIfAny(errors);
    }
}

/// <summary>A Redis server (configuration section <c>Membership:Redis</c>).</summary>
public sealed class RedisOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string: one or more <c>host:port</c> endpoints, then optional settings such
    /// as <c>password=...</c> or <c>ssl=true</c>. Default: <c>localhost:6379</c>.
    /// </summary>
    public string ConnectionString { get; set; } = "localhost:6379";

    /// <summary>
    /// How long a starting silo waits for Redis to answer before it gives up (exit code 1), trying again every few
    /// seconds with a log line that names the endpoint and the error: in Kubernetes a silo often starts before Redis
    /// is reachable. Zero: no waiting, the first failure stops the start. Default: 00:01:30 (within the chart's
    /// startup probe window of 120 s).
    /// </summary>
    public TimeSpan StartupWait { get; set; } = TimeSpan.FromSeconds(90);
}
