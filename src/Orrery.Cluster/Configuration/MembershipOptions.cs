using Microsoft.Extensions.Options;

namespace Orrery.Cluster.Configuration;

/// <summary>Failure detection and view propagation (configuration section <c>Membership</c>).</summary>
public sealed class MembershipOptions
{
    /// <summary>Where the table lives: <c>redis</c> or <c>memory</c> (single process only). Default: <c>memory</c>.</summary>
    public string Table { get; set; } = "memory";

    /// <summary>The Redis table's connection and key settings, used when <see cref="Table"/> is <c>redis</c>. Default: localhost:6379, prefix <c>orrery</c>.</summary>
    public Membership.Redis.RedisMembershipOptions Redis { get; set; } = new();

    /// <summary>How often a silo writes its heartbeat. Default: 1 second.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A silo whose heartbeat is older than this is probed, and declared Dead if probes fail.
    /// Default: 10 seconds.
    /// </summary>
    public TimeSpan DeathTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a direct probe (a ping over the transport) may take. Default: 2 seconds.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the table is re-read even without a change notification, which bounds the
    /// time a change takes to reach every silo when a notification is lost. Default: 2 seconds.
    /// </summary>
    public TimeSpan RefreshPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws <see cref="OptionsValidationException"/> naming the first bad setting and the fix.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Table is not ("redis" or "memory"))
        {
            errors.Add($"Membership:Table is '{Table}'; it must be 'redis' or 'memory'");
        }

        OptionChecks.Positive(errors, "Membership:HeartbeatPeriod", HeartbeatPeriod);
        OptionChecks.Positive(errors, "Membership:DeathTimeout", DeathTimeout);
        OptionChecks.Positive(errors, "Membership:ProbeTimeout", ProbeTimeout);
        OptionChecks.Positive(errors, "Membership:RefreshPeriod", RefreshPeriod);
        if (DeathTimeout <= HeartbeatPeriod * 2)
        {
            errors.Add($"Membership:DeathTimeout is {DeathTimeout.TotalSeconds}s; it must be more than twice Membership:HeartbeatPeriod ({HeartbeatPeriod.TotalSeconds}s) or healthy silos get declared dead");
        }

        OptionChecks.ThrowIfAny(errors);
    }
}
