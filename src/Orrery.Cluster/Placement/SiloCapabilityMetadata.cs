using System.Globalization;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Orrery.Cluster.Placement;

/// <summary>
/// What a silo offers for placement, as Orleans silo metadata (string pairs every member caches): its GPU count and
/// CPU cores. Placement reads them through <see cref="ISiloMetadataCache"/>.
/// </summary>
public static class SiloCapabilityMetadata
{
    /// <summary>The number of usable GPUs, a decimal integer.</summary>
    public const string GpuCountKey = "orrery.gpus";

    /// <summary>Logical CPU cores available to the silo process, a decimal integer.</summary>
    public const string CpuCoresKey = "orrery.cpu-cores";

    /// <summary>The metadata pairs of a silo with <paramref name="gpus"/> GPUs and <paramref name="cpuCores"/> cores.</summary>
    public static Dictionary<string, string> Describe(int gpus, int cpuCores)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gpus);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cpuCores);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [GpuCountKey] = gpus.ToString(CultureInfo.InvariantCulture),
            [CpuCoresKey] = cpuCores.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The silo's GPU count; 0 when it published none.</summary>
    public static int GpuCount(SiloMetadata metadata) => Read(metadata, GpuCountKey);

    /// <summary>The silo's CPU cores; 0 when it published none.</summary>
    public static int CpuCores(SiloMetadata metadata) => Read(metadata, CpuCoresKey);

    private static int Read(SiloMetadata metadata, string key) =>
        metadata.Metadata.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
