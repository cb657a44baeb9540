using Orleans;
using Orrery.Contracts.Tensors;

namespace Orrery.Contracts.MetricGraphs;

// Sampling on metric graphs (specs/metric-graphs.md): a SamplingCoordinatorGrain grain splits a job into ParticleEnsembleGrain
// grains, one per device, each placed on its silo. The graph travels once per ensemble (as Orrery's JSON graph
// format); results travel back as integer counts; checkpoints travel by reference over the tensor channel
// (20 bytes a particle: 10^7 particles are 200 MB, past what an Orleans message should carry).

/// <summary>The run's settings (SamplingOptions without the local parallelism knobs).</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.settings")]
public sealed class SamplingSettings
{
    [Id(0)] public ulong Seed { get; set; }
    [Id(1)] public float TimeStep { get; set; }
    [Id(2)] public long Steps { get; set; }
    [Id(3)] public int MaxSplits { get; set; }
    [Id(4)] public int BinsPerEdge { get; set; }
    [Id(5)] public long SampleEvery { get; set; }

    /// <summary>0: one window for the whole run.</summary>
    [Id(6)] public long WindowSteps { get; set; }
    [Id(7)] public int ExitTimeBins { get; set; }

    /// <summary>0: the whole run.</summary>
    [Id(8)] public long ExitTimeSteps { get; set; }
    [Id(9)] public double TruncationWarningFraction { get; set; }

    /// <summary>How vertices are detected; 0 (the default) is the Brownian-bridge test.</summary>
    [Id(10)] public BoundaryScheme Boundary { get; set; }
}

/// <summary>
/// How a sampling run detects that a step reached a vertex (absorbing end or junction; specs/metric-graphs.md,
/// "Absorbing ends"). The numeric values are the device layout and the wire format.
/// </summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.boundary")]
public enum BoundaryScheme
{
    /// <summary>
    /// Also after a step that ends inside the edge, the path is taken to have touched either end with the
    /// Brownian-bridge probability exp(-2 d0 d1 / (sigma^2 tau)), and a touched or crossed vertex is reached at a
    /// passage time drawn from the bridge's law: absorbed there, or on into an edge drawn with the jump weights.
    /// First order in dt at absorbing ends and at junctions.
    /// </summary>
    Bridge = 0,

    /// <summary>Only a step whose end lies beyond the edge's end reaches the vertex, at an interpolated time (the seed's scheme; O(sqrt dt) bias).</summary>
    Step = 1,
}

/// <summary>How particles start.</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.initial-kind")]
public enum InitialKind
{
    Unspecified = 0,
    AtVertex = 1,
    AtPoint = 2,
    FromSources = 3,
    UniformOnEdges = 4,
}

/// <summary>Where particles start (InitialCondition).</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.initial")]
public sealed class InitialPlacement
{
    [Id(0)] public InitialKind Kind { get; set; }
    [Id(1)] public int Vertex { get; set; }
    [Id(2)] public int Edge { get; set; }
    [Id(3)] public float Position { get; set; }

    /// <summary><see cref="InitialKind.UniformOnEdges"/>: one mass per edge (&gt;= 0, not all 0).</summary>
    [Id(4)] public List<double> EdgeMass { get; set; } = [];
}

/// <summary>A SamplingResult's counts; every one an integer, so merging is exact in any order.</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.counts")]
public sealed class SamplingCounts
{
    [Id(0)] public long Particles { get; set; }
    [Id(1)] public long ParticleSteps { get; set; }
    [Id(2)] public long Splits { get; set; }
    [Id(3)] public long TruncatedSteps { get; set; }
    [Id(4)] public long Exited { get; set; }
    [Id(5)] public UInt128 ExitTickSum { get; set; }
    [Id(6)] public UInt128 ExitTickSquareSum { get; set; }

    /// <summary>(window, edge, bin), window-major.</summary>
    [Id(7)] public long[] Occupation { get; set; } = [];

    /// <summary>Per vertex.</summary>
    [Id(8)] public long[] ExitCounts { get; set; } = [];

    /// <summary>Exit-time bins plus the overflow bin.</summary>
    [Id(9)] public long[] ExitTimeHistogram { get; set; } = [];
}

/// <summary>
/// Creates (or, with a checkpoint, restores) an ensemble. A repeated start with the same run id answers with the
/// ensemble's current state and changes nothing.
/// </summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.start-ensemble")]
public sealed class StartEnsembleRequest
{
    /// <summary>Identifies this placement of the ensemble; later calls must name it.</summary>
    [Id(0)] public string RunId { get; set; } = "";

    /// <summary>Orrery's JSON graph format (MetricGraphJson).</summary>
    [Id(1)] public string GraphJson { get; set; } = "";
    [Id(2)] public SamplingSettings? Settings { get; set; }
    [Id(3)] public InitialPlacement? Initial { get; set; }
    [Id(4)] public long FirstParticle { get; set; }
    [Id(5)] public int Count { get; set; }

    /// <summary>"cpu", "cuda:N", or "" for the silo's preferred device.</summary>
    [Id(6)] public string Device { get; set; } = "";

    /// <summary>The checkpoint to continue from (bytes in the EnsembleCheckpoint layout), or null to start at step 0.</summary>
    [Id(7)] public TensorRef? Checkpoint { get; set; }

    /// <summary>The checkpoint's step (the ensemble's next step).</summary>
    [Id(8)] public long CheckpointStep { get; set; }
}

[GenerateSerializer]
[Alias("orrery.metricgraphs.start-ensemble-reply")]
public sealed class StartEnsembleReply
{
    /// <summary>The silo the ensemble runs on (where Orleans placed it: the coordinator's hint, unless that silo had gone).</summary>
    [Id(0)] public string Silo { get; set; } = "";
    [Id(1)] public string Device { get; set; } = "";
    [Id(2)] public long NextStep { get; set; }
    [Id(3)] public int Alive { get; set; }

    /// <summary>That silo's address.</summary>
    [Id(4)] public Orleans.Runtime.SiloAddress? Address { get; set; }
}

/// <summary>Advances the ensemble by <see cref="Steps"/> steps (a slice); with <see cref="Checkpoint"/>, also keeps the state after it.</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.advance")]
public sealed class AdvanceEnsembleRequest
{
    [Id(0)] public string RunId { get; set; } = "";
    [Id(1)] public long Steps { get; set; }
    [Id(2)] public bool Checkpoint { get; set; }
}

[GenerateSerializer]
[Alias("orrery.metricgraphs.advance-reply")]
public sealed class AdvanceEnsembleReply
{
    [Id(0)] public SamplingCounts Counts { get; set; } = new();

    /// <summary>The step the ensemble will take next (the checkpoint's step when one is attached).</summary>
    [Id(1)] public long NextStep { get; set; }
    [Id(2)] public int Alive { get; set; }

    /// <summary>Seconds the device spent on the slice.</summary>
    [Id(3)] public double ComputeSeconds { get; set; }
    [Id(4)] public string Silo { get; set; } = "";
    [Id(5)] public string Device { get; set; } = "";

    /// <summary>The state after the slice in the ensemble's tensor store (read once, then gone), when asked for.</summary>
    [Id(6)] public TensorRef? Checkpoint { get; set; }
}

[GenerateSerializer]
[Alias("orrery.metricgraphs.device-preference")]
public enum DevicePreference
{
    Any = 0,
    Cpu = 1,
    Gpu = 2,
}

/// <summary>A whole sampling job.</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.job")]
public sealed class SamplingJob
{
    [Id(0)] public string GraphJson { get; set; } = "";
    [Id(1)] public SamplingSettings? Settings { get; set; }
    [Id(2)] public InitialPlacement? Initial { get; set; }
    [Id(3)] public long Particles { get; set; }

    /// <summary>Steps per ensemble call.</summary>
    [Id(4)] public long SliceSteps { get; set; }

    /// <summary>A checkpoint is taken every this many slices (0 or 1: every slice).</summary>
    [Id(5)] public int CheckpointEvery { get; set; }
    [Id(6)] public DevicePreference Device { get; set; }

    /// <summary>Ensembles to split into; 0: one per device of the active silos.</summary>
    [Id(7)] public int Ensembles { get; set; }

    /// <summary>Particles a GPU ensemble gets per particle of a CPU ensemble (when both kinds run); 0: the default.</summary>
    [Id(8)] public double GpuShare { get; set; }

    /// <summary>Re-placements of failed ensembles allowed before the job fails; 0: twice the ensemble count plus 2.</summary>
    [Id(9)] public int MaxReplacements { get; set; }
}

[GenerateSerializer]
[Alias("orrery.metricgraphs.start-reply")]
public sealed class StartSamplingReply
{
    [Id(0)] public int Ensembles { get; set; }

    /// <summary>The coordinator's silo.</summary>
    [Id(1)] public string Silo { get; set; } = "";
}

[GenerateSerializer]
[Alias("orrery.metricgraphs.state")]
public enum SamplingState
{
    Unspecified = 0,

    /// <summary>This coordinator activation holds no job (never started, or its silo was lost).</summary>
    Unknown = 1,
    Running = 2,
    Done = 3,
    Failed = 4,
}

[GenerateSerializer]
[Alias("orrery.metricgraphs.progress")]
public sealed class SamplingProgressReply
{
    [Id(0)] public SamplingState State { get; set; }

    /// <summary>Particle-steps done over the job's total.</summary>
    [Id(1)] public double Fraction { get; set; }

    /// <summary>Particle-steps per second over the last few seconds.</summary>
    [Id(2)] public double ParticleStepsPerSecond { get; set; }
    [Id(3)] public long ParticleSteps { get; set; }
    [Id(4)] public int Replacements { get; set; }

    /// <summary>Why the job failed (<see cref="SamplingState.Failed"/>).</summary>
    [Id(5)] public string Error { get; set; } = "";

    /// <summary>The silo of the coordinator activation that answered ("" when no activation answered).</summary>
    [Id(6)] public string Silo { get; set; } = "";
}

/// <summary>One ensemble's share of a finished job.</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.ensemble-report")]
public sealed class EnsembleReport
{
    [Id(0)] public int Index { get; set; }
    [Id(1)] public long FirstParticle { get; set; }
    [Id(2)] public int Count { get; set; }

    /// <summary>Where it finished.</summary>
    [Id(3)] public string Silo { get; set; } = "";
    [Id(4)] public string Device { get; set; } = "";

    /// <summary>Placements it had: 1 when it never had to move.</summary>
    [Id(5)] public int Placements { get; set; }
    [Id(6)] public double ComputeSeconds { get; set; }
    [Id(7)] public long ParticleSteps { get; set; }

    /// <summary>Silos it was moved away from, in order, with the error that moved it.</summary>
    [Id(8)] public List<string> MovedFrom { get; set; } = [];
}

[GenerateSerializer]
[Alias("orrery.metricgraphs.result")]
public sealed class SamplingResultReply
{
    [Id(0)] public SamplingCounts Counts { get; set; } = new();
    [Id(1)] public List<EnsembleReport> Ensembles { get; set; } = [];
    [Id(2)] public double Seconds { get; set; }
    [Id(3)] public int Replacements { get; set; }

    /// <summary>The coordinator's silo.</summary>
    [Id(4)] public string Silo { get; set; } = "";
}

/// <summary>A sampling request the grain cannot take (a bad job or ensemble request, or a call out of order); the message says why.</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.request-error")]
public sealed class SamplingRequestException : Exception
{
    public SamplingRequestException()
    {
    }

    public SamplingRequestException(string message)
        : base(message)
    {
    }

    public SamplingRequestException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// An ensemble activation holds no particles of the run it was asked about: its silo was lost and Orleans activated the
/// key afresh, or it was deactivated. The coordinator continues the ensemble elsewhere from its last checkpoint.
/// </summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.ensemble-lost")]
public sealed class EnsembleLostException : Exception
{
    public EnsembleLostException()
    {
    }

    public EnsembleLostException(string message)
        : base(message)
    {
    }

    public EnsembleLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>A sampling job that ended <see cref="SamplingState.Failed"/>; the message carries the coordinator's reason.</summary>
[GenerateSerializer]
[Alias("orrery.metricgraphs.job-failed")]
public sealed class SamplingJobFailedException : Exception
{
    public SamplingJobFailedException()
    {
    }

    public SamplingJobFailedException(string message)
        : base(message)
    {
    }

    public SamplingJobFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
