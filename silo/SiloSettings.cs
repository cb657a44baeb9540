using Microsoft.Extensions.Options;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Silos;
using Orrery.Compute;

namespace Orrery.Silo;

/// <summary>The silo's options, bound and validated from configuration, with errors that name the setting.</summary>
internal sealed record SiloSettings(ClusterOptions Cluster, SiloOptions Silo, MembershipOptions Membership, ComputeOptions Compute, OrleansSiloOptions Orleans)
{
    /// <summary>Short command-line switches for the settings people set by hand.</summary>
    public static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--cluster-id"] = "Cluster:ClusterId",
        ["--secret"] = "Cluster:Secret",
        ["--name"] = "Silo:Name",
        ["--bind"] = "Silo:BindAddress",
        ["--advertise"] = "Silo:AdvertisedAddress",
        ["--port"] = "OrleansSilo:SiloPort",
        ["--gateway-port"] = "OrleansSilo:GatewayPort",
        ["--tensor-port"] = "Tensors:Port",
        ["--http-port"] = "Silo:HttpPort",
        ["--dashboard-port"] = "Silo:DashboardPort",
        ["--kubernetes-hosting"] = "Silo:KubernetesHosting",
        ["--device"] = "Silo:Device",
        ["--membership"] = "Membership:Table",
        ["--redis"] = "Membership:Redis:ConnectionString",
    };

    public static SiloSettings Load(IConfiguration configuration)
    {
        var cluster = Bind<ClusterOptions>(configuration, "Cluster");
        var silo = Bind<SiloOptions>(configuration, "Silo");
        var membership = Bind<MembershipOptions>(configuration, "Membership");
        var compute = Bind<ComputeOptions>(configuration, "Compute");
        var orleans = Bind<OrleansSiloOptions>(configuration, OrleansSiloOptions.SectionName);
        cluster.Validate();
        silo.Validate();
        membership.Validate();

        try
        {
            compute.Validate();
        }
        catch (ArgumentException e)
        {
            throw new OptionsValidationException("Compute", typeof(ComputeOptions), [e.Message]);
        }

        if (new OrleansSiloOptionsValidator().Validate(null, orleans) is { Failed: true } invalid)
        {
            throw new OptionsValidationException(OrleansSiloOptions.SectionName, typeof(OrleansSiloOptions), invalid.Failures);
        }

        return new SiloSettings(cluster, silo, membership, compute, orleans);
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new()
    {
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder says "Failed to convert configuration value '-1s' at 'Silo:IdleCheckPeriod' to type ...".
            throw new OptionsValidationException(section, typeof(T), [e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})"]);
        }

        return options;
    }
}
