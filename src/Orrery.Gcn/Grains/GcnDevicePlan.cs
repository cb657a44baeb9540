using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Gcn;
using Orrery.Contracts.MetricGraphs;

namespace Orrery.Gcn.Grains;

/// <summary>A device a part computes on: a silo and one of its devices ("cpu", "cuda:0", ...).</summary>
/// <param name="Silo">The silo's address.</param>
/// <param name="Device">The device's name on that silo.</param>
internal sealed record GcnDeviceSlot(SiloAddress Silo, string Device);

/// <summary>
/// Where a GCN run's parts compute: one part per device that <c>training.device</c> allows (<see cref="PreferredDevices"/>,
/// the rule sampling uses too), devices in silo address order, dealt round-robin when there are more parts than devices.
/// </summary>
internal static class GcnDevicePlan
{
    /// <summary>The devices of <paramref name="silos"/> (already in address order) that <paramref name="preference"/> allows.</summary>
    public static IReadOnlyList<GcnDeviceSlot> Devices(IReadOnlyList<ClusterSiloInfo> silos, DevicePreference preference) =>
        [.. PreferredDevices.Of(silos, preference).Select(d => new GcnDeviceSlot(d.Silo.Address, d.Device))];

    /// <summary>
    /// Part p on device p mod the device count. Throws <see cref="GcnRequestException"/> naming <c>training.device</c> when
    /// no silo offers what it asks for.
    /// </summary>
    public static GcnDeviceSlot[] Assign(IReadOnlyList<ClusterSiloInfo> silos, DevicePreference preference, int parts)
    {
        var devices = Devices(silos, preference);
        if (devices.Count == 0)
        {
            throw NoDevice(silos.Count, preference);
        }

        return [.. Enumerable.Range(0, parts).Select(p => devices[p % devices.Count])];
    }

    /// <summary>The error when <paramref name="silos"/> silos offer no device <paramref name="preference"/> allows (only 'gpu' can leave none).</summary>
    public static GcnRequestException NoDevice(int silos, DevicePreference preference) => new(preference == DevicePreference.Gpu
        ? $"training.device is 'gpu', and none of the {silos} active silos offers a GPU; use 'any' or 'cpu'"
        : "no active silo to place the parts on");
}
