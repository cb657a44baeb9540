using Orleans.Runtime;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// The coordinator's record of one ensemble: its particles, where it runs now, the counts committed up
/// to its last checkpoint, and the counts of the slices after it (dropped if the ensemble has to move).
/// </summary>
internal sealed class EnsembleSlot(int index, long firstParticle, int count, string silo, SiloAddress address, string device)
{
    public int Index { get; } = index;

    public long FirstParticle { get; } = firstParticle;

    public int Count { get; } = count;

    /// <summary>The silo it is placed on now (its name).</summary>
    public string Silo { get; set; } = silo;

    /// <summary>That silo's address (the placement hint of the current placement's first call).</summary>
    public SiloAddress Address { get; set; } = address;

    /// <summary>The device on that silo ("cpu", "cuda:N").</summary>
    public string Device { get; set; } = device;

    /// <summary>1 for the first placement; each move adds one.</summary>
    public int Placement { get; set; } = 1;

    /// <summary>True once the current placement has its particles.</summary>
    public bool Started { get; set; }

    /// <summary>The state after <see cref="CheckpointStep"/> steps; null before the first checkpoint (a move starts from step 0).</summary>
    public byte[]? Checkpoint { get; set; }

    public long CheckpointStep { get; set; }

    /// <summary>Counts of steps 0 .. <see cref="CheckpointStep"/> - 1 (or of the whole run once finished); null before any.</summary>
    public SamplingResult? Committed { get; set; }

    /// <summary>Counts of the slices since the last checkpoint.</summary>
    public List<SamplingResult> Pending { get; } = [];

    /// <summary>The step the placement will take next.</summary>
    public long NextStep { get; set; }

    /// <summary>Slices advanced since the last checkpoint.</summary>
    public int SlicesSinceCheckpoint { get; set; }

    public double ComputeSeconds { get; set; }

    /// <summary>Particle-steps of the slices counted in the result (committed and pending).</summary>
    public long ParticleSteps { get; set; }

    /// <summary>"silo (error)" for each placement it was moved away from.</summary>
    public List<string> MovedFrom { get; } = [];

    /// <summary>The grain key of the current placement.</summary>
    public string Key(string job) => $"{job}/e{Index}/p{Placement}";
}
