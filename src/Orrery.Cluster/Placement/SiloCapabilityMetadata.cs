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

    /// <summary>The CUDA ordinals of those GPUs, comma-separated ("0,1"); absent means 0 .. count - 1.</summary>
    public const string GpuOrdinalsKey = "orrery.gpu-ordinals";

    /// <summary>
    /// The metadata pairs of a silo with <paramref name="gpus"/> GPUs (CUDA ordinals <paramref name="gpuOrdinals"/>, or
    /// 0 .. gpus - 1 when null) and <paramref name="cpuCores"/> cores.
    /// </summary>
    public static Dictionary<string, string> Describe(int gpus, int cpuCores, IReadOnlyList<int>? gpuOrdinals = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gpus);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cpuCores);
        if (gpuOrdinals is not null && gpuOrdinals.Count != gpus)
        {
            throw new ArgumentException($"{gpuOrdinals.Count} GPU ordinals given for {gpus} GPUs", nameof(gpuOrdinals));
        }

        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [GpuCountKey] = gpus.ToString(CultureInfo.InvariantCulture),
            [CpuCoresKey] = cpuCores.ToString(CultureInfo.InvariantCulture),
            [GpuOrdinalsKey] = string.Join(',', (gpuOrdinals ?? [.. Enumerable.Range(0, gpus)]).Select(o => o.ToString(CultureInfo.InvariantCulture))),
        };
    }

    /// <summary>The silo's GPUs as device names ("cuda:0", ...); empty when it published none.</summary>
    public static IReadOnlyList<string> GpuDevices(SiloMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var count = GpuCount(metadata);
        if (count == 0)
        {
            return [];
        }

        var ordinals = metadata.Metadata.TryGetValue(GpuOrdinalsKey, out var text) && text.Length > 0
            ? text.Split(',')
            : [.. Enumerable.Range(0, count).Select(o => o.ToString(CultureInfo.InvariantCulture))];
        return [.. ordinals.Take(count).Select(o => "cuda:" + o)];
    }

    /// <summary>The silo's GPU count; 0 when it published none.</summary>
    public static int GpuCount(SiloMetadata metadata) => Read(metadata, GpuCountKey);

    /// <summary>The silo's CPU cores; 0 when it published none.</summary>
    public static int CpuCores(SiloMetadata metadata) => Read(metadata, CpuCoresKey);

    private static int Read(SiloMetadata metadata, string key) =>
        metadata.Metadata.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
