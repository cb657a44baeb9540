using Microsoft.Extensions.Options;

namespace Orrery.Cluster.Configuration;

/// <summary>Settings of one silo process (configuration section <c>Silo</c>); its Orleans ports are in <c>OrleansSilo</c>.</summary>
public sealed class SiloOptions
{
    /// <summary>Name of the silo, in membership and logs. Default: empty, meaning <c>host:port</c> of its Orleans silo port.</summary>
    public string Name { get; set; } = "";

    /// <summary>Address the silo's ports listen on. Default: <c>0.0.0.0</c> (all interfaces).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Address other members use to reach this silo (a pod IP on Kubernetes). Default: empty,
    /// meaning the bind address, or 127.0.0.1 when binding to all interfaces.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "";

    /// <summary>Port of <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>. Default: 8080; 0 picks a free port.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>
    /// Port of the Orleans Dashboard (silos, grain types, call rates; served at <c>/</c> on this port only, no
    /// authentication: keep it on an operators' network). Enable it on every silo of a cluster or on none: the dashboard
    /// asks each silo for its figures. Default: 0, no dashboard.
    /// </summary>
    public int DashboardPort { get; set; }

    /// <summary>
    /// Orleans's Kubernetes hosting (Microsoft.Orleans.Hosting.Kubernetes): the silo is named after its pod and
    /// advertises the pod IP, and silos watch the pods of their cluster, marking a silo whose pod is gone Dead and
    /// deleting the pod of a silo declared Dead. Needs the environment variables POD_NAME, POD_NAMESPACE, POD_IP,
    /// ORLEANS_SERVICE_ID and ORLEANS_CLUSTER_ID, the pod labels orleans/serviceId and orleans/clusterId, and a service
    /// account allowed to get, list, watch, delete and patch pods (the Helm chart sets all of these). Membership stays
    /// in Redis. Default: false.
    /// </summary>
    public bool KubernetesHosting { get; set; }

    /// <summary>Time in-flight calls get to finish when the silo shuts down. Default: 20 seconds.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Device the silo computes on: <c>cpu</c>, <c>cuda:N</c> or <c>auto</c>. Default: <c>auto</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Throws <see cref="OptionsValidationException"/> naming the first bad setting and the fix.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!System.Net.IPAddress.TryParse(BindAddress, out _))
        {
            errors.Add($"Silo:BindAddress is '{BindAddress}'; it must be an IP address such as 0.0.0.0 or 127.0.0.1");
        }

        OptionChecks.Port(errors, "Silo:HttpPort", HttpPort, allowZero: true);
        OptionChecks.Port(errors, "Silo:DashboardPort", DashboardPort, allowZero: true);
        if (DashboardPort != 0 && DashboardPort == HttpPort)
        {
            errors.Add($"Silo:DashboardPort is {DashboardPort}, the same as Silo:HttpPort; the dashboard needs a port of its own");
        }
        OptionChecks.Positive(errors, "Silo:ShutdownGracePeriod", ShutdownGracePeriod);
        if (Device is not ("auto" or "cpu") && !(Device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(Device.AsSpan(5), out var index) && index >= 0))
        {
            errors.Add($"Silo:Device is '{Device}'; it must be 'auto', 'cpu' or 'cuda:N'");
        }

        OptionChecks.ThrowIfAny(errors);
    }
}
