using Orleans.Runtime;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Gcn;
using Orrery.Contracts.MetricGraphs;

namespace Orrery.Gcn.Grains;

/// <summary>A device a part computes on: a silo and one of its devices ("cpu", "cuda:0", ...).</summary>
/// <param name="Silo">The silo's address.</param>
/// <param name="Device">The device's name on that silo.</param>
internal sealed record GcnDeviceSlot(SiloAddress Silo, string Device);

/// <summary>
/// Where a GCN run's parts compute: one part per device, devices taken in silo address order and, within a silo, in
/// the order the silo lists its GPUs, dealt round-robin when there are more parts than devices. <c>training.device</c>
/// chooses which devices count: <c>any</c> (the default) takes each GPU of a silo that offers GPUs and the CPU of a
/// silo that offers none, <c>gpu</c> only GPUs, <c>cpu</c> every silo's CPU.
/// </summary>
internal static class GcnDevicePlan
{
    /// <summary>The devices of <paramref name="silos"/> (already in address order) that <paramref name="preference"/> allows.</summary>
    public static IReadOnlyList<GcnDeviceSlot> Devices(IReadOnlyList<ClusterSiloInfo> silos, DevicePreference preference)
    {
        ArgumentNullException.ThrowIfNull(silos);
        var slots = new List<GcnDeviceSlot>();
        foreach (var silo in silos)
        {
            var useGpus = preference switch
            {
                DevicePreference.Cpu => false,
                DevicePreference.Gpu => true,
                _ => silo.GpuDevices.Count > 0,
            };
            if (useGpus)
            {
                slots.AddRange(silo.GpuDevices.Select(gpu => new GcnDeviceSlot(silo.Address, gpu)));
            }
            else
            {
                slots.Add(new GcnDeviceSlot(silo.Address, "cpu"));
            }
        }

        return slots;
    }

    /// <summary>
    /// Part p on device p mod the device count. Throws <see cref="GcnRequestException"/> naming <c>training.device</c> when
    /// no silo offers what it asks for.
    /// </summary>
    public static GcnDeviceSlot[] Assign(IReadOnlyList<ClusterSiloInfo> silos, DevicePreference preference, int parts)
    {
        var devices = Devices(silos, preference);
        if (devices.Count == 0)
        {
            throw new GcnRequestException(preference == DevicePreference.Gpu
                ? $"training.device is 'gpu', and none of the {silos.Count} active silos offers a GPU; use 'any' or 'cpu'"
                : "no active silo to place the parts on");
        }

        return [.. Enumerable.Range(0, parts).Select(p => devices[p % devices.Count])];
    }

    /// <summary>The spec's name of <paramref name="preference"/>.</summary>
    public static string Name(DevicePreference preference) => preference.ToString().ToLowerInvariant();
}
