using Orleans;
using Orrery.Contracts.Tensors;

namespace Orrery.Contracts.Pca;

// PCA by parallel deflation (specs/pca.md): a PcaCoordinator grain places DataShard grains (row blocks of Y) and
// DeflationWorker grains (one per eigenvector) round-robin over the active silos with placement hints. Vector blocks
// (shard products, worker vectors) travel inside the message as float[] up to VectorBlock.DefaultInlineLimitBytes
// (1 MiB) and by reference over the tensor channel above it.

/// <summary>
/// Where a PCA data matrix Y (rows x dimension) or covariance comes from. Shards load their rows from it themselves,
/// so a shard lost with its silo is re-loaded from the same description. A record: two descriptions are equal when
/// every field is (a shard keeps its rows across calls that name the same source).
/// </summary>
[GenerateSerializer]
[Alias("orrery.pca.source")]
public sealed record PcaSource
{
    /// <summary>"generated", "idx", "csv", "raw" or "fashion-mnist".</summary>
    [Id(0)] public string Kind { get; set; } = "";

    /// <summary>generated: "power" (1/sqrt(k)), "exponential" (1.1^-k), "spiked" or "low-rank".</summary>
    [Id(1)] public string Spectrum { get; set; } = "";

    /// <summary>generated: the dimension d.</summary>
    [Id(2)] public int Dimension { get; set; }

    /// <summary>generated: the rows n (matrix-free); files: at most this many rows (0 = all).</summary>
    [Id(3)] public long Rows { get; set; }

    /// <summary>generated: seed of the random orthogonal eigenbasis.</summary>
    [Id(4)] public ulong Seed { get; set; }

    /// <summary>spiked / low-rank: the noise variance added to every direction.</summary>
    [Id(5)] public double Noise { get; set; }

    /// <summary>spiked: spike count; low-rank: the rank.</summary>
    [Id(6)] public int Rank { get; set; }

    /// <summary>files: path on the silo's file system.</summary>
    [Id(7)] public string Path { get; set; } = "";

    /// <summary>files: subtract the column means.</summary>
    [Id(8)] public bool Center { get; set; }

    /// <summary>fashion-mnist: "train" (60,000 rows), "test" (10,000) or "all" (70,000).</summary>
    [Id(9)] public string Split { get; set; } = "";

    /// <summary>files: divide every value by this (0 or 1 = unchanged); 255 maps image bytes to [0, 1].</summary>
    [Id(10)] public double Scale { get; set; }
}

/// <summary>What one shard holds: the leaves [FirstLeaf, FirstLeaf + LeafCount) of <see cref="Leaves"/> equal row blocks.</summary>
[GenerateSerializer]
[Alias("orrery.pca.shard-load")]
public sealed record ShardLoadRequest
{
    [Id(0)] public PcaSource Source { get; set; } = new();

    /// <summary>"matrix-free" (row blocks of Y) or "covariance" (the whole d x d Sigma, one leaf).</summary>
    [Id(1)] public string Mode { get; set; } = "";
    [Id(2)] public int Leaves { get; set; }
    [Id(3)] public int FirstLeaf { get; set; }
    [Id(4)] public int LeafCount { get; set; }
}

[GenerateSerializer]
[Alias("orrery.pca.shard-load-reply")]
public sealed class ShardLoadReply
{
    [Id(0)] public string Silo { get; set; } = "";
    [Id(1)] public long Rows { get; set; }
    [Id(2)] public int Dimension { get; set; }

    /// <summary>Rows of the whole matrix (all shards).</summary>
    [Id(3)] public long TotalRows { get; set; }
    [Id(4)] public double Seconds { get; set; }
    [Id(5)] public bool AlreadyLoaded { get; set; }
    [Id(6)] public string Device { get; set; } = "";

    /// <summary>False while the rows are still being loaded (ask again); the other fields are set only when true.</summary>
    [Id(7)] public bool Ready { get; set; }
}

/// <summary>
/// A block of float32 vectors: inline (<see cref="Values"/>) when it is at most the run's inline limit, otherwise by
/// reference (<see cref="Tensor"/>) to the sender's tensor store, from which the receiver fetches it over the tensor
/// channel. Exactly one of the two is set.
/// </summary>
[GenerateSerializer]
[Alias("orrery.pca.vectors")]
public sealed class VectorBlock
{
    /// <summary>
    /// The largest block sent inside an Orleans message: 1 MiB (262,144 floats, e.g. K = 30 vectors of d = 8,192).
    /// Measured on the 2-core build machine (issue 9), arrays inside Orleans messages move at 0.06 GB/s as float[] and
    /// cost about 5x the CPU per byte of the tensor channel (1-2 GB/s), while a tensor put, fetch and release costs a
    /// connection round trip or two (about 0.1-0.3 ms on loopback): below about 1 MiB the message is the cheaper way.
    /// </summary>
    public const int DefaultInlineLimitBytes = 1 << 20;

    /// <summary>The vectors themselves (inline), or null when they travel by <see cref="Tensor"/>.</summary>
    [Id(0)] public float[]? Values { get; set; }

    /// <summary>The vectors in the sender's tensor store (by reference), or null when inline.</summary>
    [Id(1)] public TensorRef? Tensor { get; set; }

    /// <summary>Floats in the block.</summary>
    public long Length => Values?.Length ?? Tensor?.Length ?? 0;
}

/// <summary>Multiplies <see cref="Vectors"/> vectors (<see cref="Block"/>: vectors x d, one per row) by the shard's part of Y^T Y.</summary>
[GenerateSerializer]
[Alias("orrery.pca.shard-multiply")]
public sealed class ShardMultiplyRequest
{
    /// <summary>Sent with every call, so a shard activated afresh after its silo died re-loads itself.</summary>
    [Id(0)] public ShardLoadRequest Load { get; set; } = new();
    [Id(1)] public int Vectors { get; set; }

    /// <summary>-1: all the shard's leaves; otherwise only this (global) leaf (mini-batches).</summary>
    [Id(2)] public int Leaf { get; set; }
    [Id(3)] public VectorBlock Block { get; set; } = new();

    /// <summary>The reply's product goes inline up to this many bytes, by reference above (0: <see cref="VectorBlock.DefaultInlineLimitBytes"/>).</summary>
    [Id(4)] public int InlineLimitBytes { get; set; }
}

/// <summary>The shard's share of Sigma V (sum over its leaves of Y_leaf^T (Y_leaf V), not yet divided by n), vectors x d.</summary>
[GenerateSerializer]
[Alias("orrery.pca.shard-multiply-reply")]
public sealed class ShardMultiplyReply
{
    [Id(0)] public string Silo { get; set; } = "";

    /// <summary>True when this call had to load the shard first (a lost shard re-loaded from its source).</summary>
    [Id(1)] public bool Reloaded { get; set; }

    /// <summary>Rows that contributed to this answer.</summary>
    [Id(2)] public long Rows { get; set; }
    [Id(3)] public VectorBlock Product { get; set; } = new();
}

/// <summary>Sets a worker's vector: a fresh start, or a restart from its last published vector.</summary>
[GenerateSerializer]
[Alias("orrery.pca.worker-init")]
public sealed class WorkerInitRequest
{
    [Id(0)] public int Index { get; set; }
    [Id(1)] public int Dimension { get; set; }

    /// <summary>"parallel", "sequential" or "eigengame".</summary>
    [Id(2)] public string Solver { get; set; } = "";

    /// <summary>"power" or "oja".</summary>
    [Id(3)] public string Top1 { get; set; } = "";
    [Id(4)] public double Eta { get; set; }

    /// <summary>The initial vector (d floats).</summary>
    [Id(5)] public VectorBlock Vector { get; set; } = new();

    /// <summary>The worker's replies go inline up to this many bytes, by reference above (0: <see cref="VectorBlock.DefaultInlineLimitBytes"/>).</summary>
    [Id(6)] public int InlineLimitBytes { get; set; }
}

[GenerateSerializer]
[Alias("orrery.pca.worker-init-reply")]
public sealed class WorkerInitReply
{
    [Id(0)] public string Silo { get; set; } = "";
}

/// <summary>
/// One Top1 step. <see cref="Payload"/>: the product Sigma x_k for the worker's current vector (d floats), then at step 1
/// of a round the predecessors' vectors (predecessors x d) and, for EigenGame, their products Sigma v_j.
/// </summary>
[GenerateSerializer]
[Alias("orrery.pca.worker-step")]
public sealed class WorkerStepRequest
{
    [Id(0)] public int Round { get; set; }
    [Id(1)] public int Step { get; set; }
    [Id(2)] public int Predecessors { get; set; }

    /// <summary>lambda_j = v_j^T Sigma v_j of the predecessors (step 1 only).</summary>
    [Id(3)] public List<double> Lambdas { get; set; } = [];

    /// <summary>Oja / EigenGame step size for this step.</summary>
    [Id(4)] public double Eta { get; set; }

    /// <summary>Last step of the round: publish the vector.</summary>
    [Id(5)] public bool Publish { get; set; }
    [Id(6)] public VectorBlock Payload { get; set; } = new();
}

/// <summary>The worker's new vector (d floats).</summary>
[GenerateSerializer]
[Alias("orrery.pca.worker-step-reply")]
public sealed class WorkerStepReply
{
    [Id(0)] public string Silo { get; set; } = "";
    [Id(1)] public VectorBlock Vector { get; set; } = new();
}

/// <summary>One PCA run: data, solver, budget. Defaults are filled by the coordinator (PcaOptions.Normalise).</summary>
[GenerateSerializer]
[Alias("orrery.pca.start")]
public sealed class PcaStartRequest
{
    [Id(0)] public PcaSource Source { get; set; } = new();
    [Id(1)] public string Mode { get; set; } = "";
    [Id(2)] public int Shards { get; set; }
    [Id(3)] public int Leaves { get; set; }
    [Id(4)] public int Components { get; set; }
    [Id(5)] public string Solver { get; set; } = "";
    [Id(6)] public string Top1 { get; set; } = "";
    [Id(7)] public int StepsPerRound { get; set; }
    [Id(8)] public int MaxRounds { get; set; }
    [Id(9)] public double TargetError { get; set; }
    [Id(10)] public double Eta { get; set; }
    [Id(11)] public ulong Seed { get; set; }
    [Id(12)] public bool Asynchronous { get; set; }

    /// <summary>"auto" (known basis for generated data, exact eigendecomposition otherwise), "exact" or "none".</summary>
    [Id(13)] public string Truth { get; set; } = "";
    [Id(14)] public double AngleThresholdDegrees { get; set; }

    /// <summary>Sequential deflation: steps spent on each vector before moving to the next.</summary>
    [Id(15)] public int StepsPerVector { get; set; }

    /// <summary>Subspace iteration: extra vectors p beyond the K components in the Rayleigh-Ritz block (null: 10).</summary>
    [Id(16)] public int? Oversample { get; set; }

    /// <summary>
    /// Vector blocks up to this many bytes travel inside Orleans messages, larger ones by reference over the tensor
    /// channel (0: <see cref="VectorBlock.DefaultInlineLimitBytes"/>, 1 MiB). It changes how bytes move, never the result.
    /// </summary>
    [Id(17)] public int InlineLimitBytes { get; set; }

    /// <summary>Oja: the step decays as eta_t = eta / (1 + t / this), t the steps taken (0: 4 passes over the leaves).</summary>
    [Id(18)] public int EtaDecaySteps { get; set; }

    /// <summary>A deep copy.</summary>
    public PcaStartRequest Clone()
    {
        var copy = (PcaStartRequest)MemberwiseClone();
        copy.Source = Source with { };
        return copy;
    }
}

[GenerateSerializer]
[Alias("orrery.pca.start-reply")]
public sealed class PcaStartReply
{
    [Id(0)] public int Dimension { get; set; }
    [Id(1)] public long Rows { get; set; }
    [Id(2)] public bool HasTruth { get; set; }
    [Id(3)] public double LoadSeconds { get; set; }
    [Id(4)] public double TruthSeconds { get; set; }
    [Id(5)] public List<string> ShardSilos { get; set; } = [];
    [Id(6)] public List<string> WorkerSilos { get; set; } = [];
    [Id(7)] public List<double> TrueEigenvalues { get; set; } = [];

    /// <summary>The coordinator's silo.</summary>
    [Id(8)] public string CoordinatorSilo { get; set; } = "";

    /// <summary>
    /// False in the answer to <see cref="IPcaCoordinatorGrain.StartAsync"/>, which only takes the run: the shards load
    /// and the truth is computed in the advance calls that follow, and the advance that finishes them carries this reply
    /// again with every field set and <see cref="Ready"/> true (<see cref="PcaAdvanceReply.Setup"/>).
    /// </summary>
    [Id(9)] public bool Ready { get; set; }
}

/// <summary>One completed round's metrics.</summary>
[GenerateSerializer]
[Alias("orrery.pca.round")]
public sealed class PcaRoundRecord
{
    [Id(0)] public int Round { get; set; }

    /// <summary>Error E against the truth (NaN without one).</summary>
    [Id(1)] public double Error { get; set; }

    /// <summary>Discounted captured variance sum_k v_k^T Sigma v_k / k.</summary>
    [Id(2)] public double Captured { get; set; }
    [Id(3)] public int Streak { get; set; }
    [Id(4)] public double Seconds { get; set; }
    [Id(5)] public long Bytes { get; set; }

    /// <summary>Top1 steps taken so far by the slowest worker (T * rounds in synchronous mode).</summary>
    [Id(6)] public long Steps { get; set; }
    [Id(7)] public List<double> AnglesDegrees { get; set; } = [];
}

[GenerateSerializer]
[Alias("orrery.pca.advance-reply")]
public sealed class PcaAdvanceReply
{
    [Id(0)] public List<PcaRoundRecord> Rounds { get; set; } = [];
    [Id(1)] public bool Finished { get; set; }
    [Id(2)] public string StopReason { get; set; } = "";
    [Id(3)] public int Recoveries { get; set; }
    [Id(4)] public int ReloadedShards { get; set; }
    [Id(5)] public List<string> ShardSilos { get; set; } = [];
    [Id(6)] public List<string> WorkerSilos { get; set; } = [];
    [Id(7)] public string LastFailure { get; set; } = "";

    /// <summary>What the run is doing: "loading shards (1 of 4 ready)", "computing the exact truth", "running", ...</summary>
    [Id(8)] public string Phase { get; set; } = "";

    /// <summary>The start reply with every field set, in the one advance that finished the set-up; null in the others.</summary>
    [Id(9)] public PcaStartReply? Setup { get; set; }
}

/// <summary>A finished run: everything but the vectors, which are read in pages (<see cref="IPcaCoordinatorGrain.GetVectorsAsync"/>).</summary>
[GenerateSerializer]
[Alias("orrery.pca.result")]
public sealed class PcaResultReply
{
    [Id(0)] public int Components { get; set; }
    [Id(1)] public int Dimension { get; set; }
    [Id(2)] public List<double> Eigenvalues { get; set; } = [];
    [Id(3)] public List<PcaRoundRecord> History { get; set; } = [];
    [Id(4)] public bool Finished { get; set; }
    [Id(5)] public string StopReason { get; set; } = "";
    [Id(6)] public int Recoveries { get; set; }
    [Id(7)] public int ReloadedShards { get; set; }
}
