using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Orrery.Cluster.Membership.Redis;

/// <summary>
/// Where the Redis membership table lives and how long to wait for it. Bound from the
/// <c>Membership:Redis</c> configuration section.
/// </summary>
public sealed class RedisMembershipOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Membership:Redis";

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    /// <summary>
    /// A StackExchange.Redis configuration string: one or more <c>host:port</c> endpoints, then
    /// optional settings such as <c>password=...</c> or <c>ssl=true</c>. Defaults to
    /// <c>localhost:6379</c>. The table always sets <c>abortConnect=false</c>, so a silo can start
    /// while Redis is briefly down.
    /// </summary>
    public string ConnectionString { get; set; } = "localhost:6379";

    /// <summary>The first segment of every key and channel name. Defaults to <c>orrery</c>.</summary>
    public string KeyPrefix { get; set; } = "orrery";

    /// <summary>
    /// The cluster whose table this is; clusters sharing one Redis server see only their own rows.
    /// Defaults to <c>default</c>.
    /// </summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>How long to wait for a connection to Redis. Defaults to 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one table operation may wait for Redis to answer before it fails with a
    /// <see cref="MembershipException"/>. Defaults to 5 seconds.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks every setting and throws one exception that lists every problem.</summary>
    /// <exception cref="OptionsValidationException">A setting is missing or out of range.</exception>
    public void Validate()
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            failures.Add($"{SectionName}:{nameof(ConnectionString)} is empty; it must name a Redis endpoint such as 127.0.0.1:6379");
        }
        else if (TryParse(ConnectionString, out var error) is null)
        {
            failures.Add($"{SectionName}:{nameof(ConnectionString)} {error}; it must name a Redis endpoint such as 127.0.0.1:6379");
        }

        if (string.IsNullOrWhiteSpace(KeyPrefix))
        {
            failures.Add($"{SectionName}:{nameof(KeyPrefix)} is empty; it must be a short name such as orrery");
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            failures.Add($"{SectionName}:{nameof(ClusterId)} is empty; it must name the cluster, such as default");
        }

        CheckTimeout(failures, nameof(ConnectTimeout), ConnectTimeout);
        CheckTimeout(failures, nameof(OperationTimeout), OperationTimeout);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(SectionName, typeof(RedisMembershipOptions), failures);
        }
    }

    /// <summary>The settings with any password replaced by <c>*****</c>, for logs.</summary>
    public override string ToString()
    {
        var connection = TryParse(ConnectionString, out _)?.ToString(includePassword: false) ?? "(invalid)";
        return $"ConnectionString={connection}, KeyPrefix={KeyPrefix}, ClusterId={ClusterId}, " +
            $"ConnectTimeout={FormatDuration(ConnectTimeout)}, OperationTimeout={FormatDuration(OperationTimeout)}";
    }

    /// <summary>Parses <see cref="ConnectionString"/>; null with a reason when it is unusable.</summary>
    internal static ConfigurationOptions? TryParse(string connectionString, out string error)
    {
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException e)
        {
            error = $"could not be parsed ({e.Message})";
            return null;
        }

        if (configuration.EndPoints.Count == 0)
        {
            error = "names no endpoint";
            return null;
        }

        error = string.Empty;
        return configuration;
    }

    /// <summary>A duration as people write it in messages: <c>5s</c>, <c>250ms</c>.</summary>
    internal static string FormatDuration(TimeSpan duration) =>
        duration.Ticks % TimeSpan.TicksPerSecond == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)duration.TotalSeconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###}ms");

    private static void CheckTimeout(List<string> failures, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{SectionName}:{name} is {FormatDuration(value)}; it must be greater than 0");
        }
        else if (value > MaxTimeout)
        {
            // StackExchange.Redis takes its timeouts as int milliseconds.
            failures.Add($"{SectionName}:{name} is {FormatDuration(value)}; it must be at most {FormatDuration(MaxTimeout)}");
        }
    }
}
