using System.Globalization;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// A validated <see cref="SamplingJob"/> and where its work may go: the devices of the Active silos that
/// match the job's device preference, and the split of the particles into ensembles over them.
/// </summary>
internal sealed class SamplingJobPlan
{
    /// <summary>Particles a GPU ensemble gets per particle of a CPU ensemble when the job says 0.</summary>
    public const double DefaultGpuShare = 10;

    /// <summary>
    /// The most bytes a job's counts may take on the wire (<see cref="ResultBytes"/>): every slice reply and the final
    /// result carry them in one Orleans message, whose body Orleans 10.4.2 limits to 100 MiB by default
    /// (MaxMessageBodySize); 64 MiB leaves room for the rest of the message.
    /// </summary>
    public const long MaxResultBytes = 64L << 20;

    /// <summary>The most occupation-histogram cells (windows x edges x bins per edge) a job may ask for.</summary>
    public const long MaxOccupationCells = 1_000_000;

    /// <summary>
    /// An upper bound of the serialized size of a job's counts: 10 bytes (the longest variable-length integer) for each
    /// occupation cell, vertex exit count and exit-time bin (plus the overflow bin), and 1 KiB for the scalars.
    /// </summary>
    public static long ResultBytes(SamplingOptions options, int vertices, int edges)
    {
        ArgumentNullException.ThrowIfNull(options);
        var counts = (long)options.WindowCount * edges * options.BinsPerEdge + vertices + options.ExitTimeBins + 1;
        return 10 * counts + 1024;
    }

    private SamplingJobPlan(SamplingJob job, MetricGraph graph, SamplingOptions options)
    {
        Job = job;
        Graph = graph;
        Options = options;
        SliceSteps = job.SliceSteps;
        CheckpointEvery = job.CheckpointEvery == 0 ? 1 : job.CheckpointEvery;
        GpuShare = job.GpuShare == 0 ? DefaultGpuShare : job.GpuShare;
    }

    public SamplingJob Job { get; }

    /// <summary>The graph as every ensemble parses it from <see cref="SamplingJob.GraphJson"/>.</summary>
    public MetricGraph Graph { get; }

    public SamplingOptions Options { get; }

    public long SliceSteps { get; }

    public int CheckpointEvery { get; }

    public double GpuShare { get; }

    /// <summary>Re-placements allowed before the job fails.</summary>
    public int MaxReplacements(int ensembles) => Job.MaxReplacements > 0 ? Job.MaxReplacements : 2 * ensembles + 2;

    /// <summary>Checks the job; throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public static SamplingJobPlan Validate(SamplingJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        MetricGraph graph;
        try
        {
            graph = MetricGraphJson.Parse(job.GraphJson, "job graph");
        }
        catch (MetricGraphFormatException e)
        {
            throw new ArgumentException($"SamplingJob.graph_json: {e.Message}", e);
        }

        var options = SamplingWire.ToOptions(job.Settings ?? throw new ArgumentException("SamplingJob.settings is missing"));
        SamplingWire.ToInitialCondition(job.Initial ?? throw new ArgumentException("SamplingJob.initial is missing"), graph);
        Require(job.Particles >= 1, "particles", job.Particles, "at least 1");
        Require(job.SliceSteps >= 1, "slice_steps", job.SliceSteps, "at least 1");
        Require(job.CheckpointEvery >= 0, "checkpoint_every", job.CheckpointEvery, "0 (every slice) or more");
        Require(job.Ensembles >= 0, "ensembles", job.Ensembles, "0 (one per device) or more");
        Require(job.GpuShare >= 0 && double.IsFinite(job.GpuShare), "gpu_share", job.GpuShare, "0 (the default) or a positive number");
        Require(job.MaxReplacements >= 0, "max_replacements", job.MaxReplacements, "0 (the default) or more");
        var cells = (long)options.WindowCount * graph.EdgeCount * options.BinsPerEdge;
        Require(cells <= MaxOccupationCells, "occupation cells (windows x edges x bins_per_edge)", cells, $"at most {MaxOccupationCells:N0} (SamplingJobPlan.MaxOccupationCells)");
        var bytes = ResultBytes(options, graph.VertexCount, graph.EdgeCount);
        Require(bytes <= MaxResultBytes, "result size in bytes (exit_time_bins, occupation cells, vertices)", bytes, $"at most {MaxResultBytes:N0} (SamplingJobPlan.MaxResultBytes), one Orleans message");
        return new SamplingJobPlan(job, graph, options);
    }

    /// <summary>
    /// The devices of the active <paramref name="silos"/> (ordered by address) that the job's device
    /// preference allows: with "any", each GPU of a silo that has GPUs, else the silo's CPU; "cpu", every
    /// silo's CPU; "gpu", every GPU. Silos named in <paramref name="avoid"/> are left out.
    /// </summary>
    public IReadOnlyList<DeviceChoice> Devices(IReadOnlyList<ClusterSiloInfo> silos, IReadOnlySet<string>? avoid = null)
    {
        ArgumentNullException.ThrowIfNull(silos);
        return [.. PreferredDevices.Of(silos.Where(silo => avoid is null || !avoid.Contains(silo.Name)), Job.Device)
            .Select(d => new DeviceChoice(d.Silo.Name, d.Silo.Address, d.Device, d.IsGpu ? GpuShare : 1))];
    }

    /// <summary>
    /// Splits the particles into ensembles: one per device (or <see cref="SamplingJob.Ensembles"/>, dealt
    /// round-robin over the devices), each device's share proportional to its weight.
    /// </summary>
    public EnsembleSlot[] Split(IReadOnlyList<DeviceChoice> devices)
    {
        if (devices.Count == 0)
        {
            throw new ArgumentException(Job.Device == DevicePreference.Gpu
                ? "the job asks for GPUs and no active silo reports one"
                : "no active silo can take the job");
        }

        var particles = Job.Particles;
        var count = (int)Math.Min(Job.Ensembles > 0 ? Job.Ensembles : devices.Count, particles);
        var weights = Enumerable.Range(0, count).Select(i => devices[i % devices.Count].Weight).ToArray();
        var total = weights.Sum();
        var bounds = new long[count + 1];
        var cumulative = 0.0;
        for (var i = 1; i < count; i++)
        {
            cumulative += weights[i - 1];
            bounds[i] = Math.Max(bounds[i - 1] + 1, (long)Math.Round(particles * (cumulative / total)));
        }

        bounds[count] = particles;
        if (bounds[count - 1] >= particles)
        {
            // Very few particles for the weights: fall back to equal shares, still at least one each.
            for (var i = 1; i < count; i++)
            {
                bounds[i] = particles * i / count;
            }
        }

        var slots = new EnsembleSlot[count];
        for (var i = 0; i < count; i++)
        {
            var size = bounds[i + 1] - bounds[i];
            if (size > int.MaxValue)
            {
                throw new ArgumentException($"ensemble {i} would hold {size} particles, more than 2^31 - 1; ask for more ensembles");
            }

            var device = devices[i % devices.Count];
            slots[i] = new EnsembleSlot(i, bounds[i], (int)size, device.Silo, device.Address, device.Device);
        }

        return slots;
    }

    private static void Require(bool ok, string field, object value, string allowed)
    {
        if (!ok)
        {
            throw new ArgumentException($"SamplingJob.{field} is {Convert.ToString(value, CultureInfo.InvariantCulture)}; it must be {allowed}");
        }
    }
}
