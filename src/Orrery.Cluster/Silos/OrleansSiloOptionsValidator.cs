using Microsoft.Extensions.Options;

namespace Orrery.Cluster.Silos;

/// <summary>Checks <see cref="OrleansSiloOptions"/>; each failure names the setting and what it must be.</summary>
public sealed class OrleansSiloOptionsValidator : IValidateOptions<OrleansSiloOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OrleansSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.SiloPort is < 1 or > 65535)
        {
            failures.Add($"OrleansSilo:SiloPort is {options.SiloPort}; it must be 1 to 65535");
        }

        if (options.GatewayPort is < 1 or > 65535)
        {
            failures.Add($"OrleansSilo:GatewayPort is {options.GatewayPort}; it must be 1 to 65535");
        }

        if (options.SiloPort == options.GatewayPort)
        {
            failures.Add($"OrleansSilo:SiloPort and OrleansSilo:GatewayPort are both {options.SiloPort}; they must differ");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            failures.Add("OrleansSilo:ServiceId is empty; it must name the service");
        }

        if (options.ProbeTimeout <= TimeSpan.Zero)
        {
            failures.Add($"OrleansSilo:ProbeTimeout is {options.ProbeTimeout.TotalSeconds}s; it must be greater than 0");
        }

        if (options.MissedProbesLimit < 1)
        {
            failures.Add($"OrleansSilo:MissedProbesLimit is {options.MissedProbesLimit}; it must be at least 1");
        }

        if (options.IAmAliveTablePublishPeriod <= TimeSpan.Zero)
        {
            failures.Add($"OrleansSilo:IAmAliveTablePublishPeriod is {options.IAmAliveTablePublishPeriod.TotalSeconds}s; it must be greater than 0");
        }

        if (options.DirectoryLeaseDuration < TimeSpan.Zero)
        {
            failures.Add($"OrleansSilo:DirectoryLeaseDuration is {options.DirectoryLeaseDuration.TotalSeconds}s; it must be 0 (no lease) or more");
        }

        try
        {
            Security.ClusterTlsFiles.FromSettings(options.TlsCertificate, options.TlsKey, options.TlsAuthority);
        }
        catch (ArgumentException e)
        {
            failures.Add(e.Message);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
