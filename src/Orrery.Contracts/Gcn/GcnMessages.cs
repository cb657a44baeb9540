using Orleans;
using Orrery.Contracts.Tensors;

namespace Orrery.Contracts.Gcn;

/// <summary>
/// A whole GCN training run as the coordinator and every partition grain receive it: the data source, the model, the
/// partitioning, the exchange mode and the training settings. Each grain rebuilds the graph and the partition plans
/// from it (deterministically: generated data and partitions are seeded), so no graph travels in a message and a part
/// placed afresh can set itself up again. Validated by the spec parser before it is sent.
/// </summary>
[GenerateSerializer]
[Alias("orrery.gcn.train-request")]
public sealed class GcnTrainRequest
{
    [Id(0)] public string Name { get; set; } = "gcn";

    /// <summary>csbm, fashion-mnist, graph-tool or files.</summary>
    [Id(1)] public string Source { get; set; } = "csbm";

    /// <summary>Nodes of a generated graph, or images of a Fashion-MNIST graph.</summary>
    [Id(2)] public int Nodes { get; set; }
    [Id(3)] public int Classes { get; set; }
    [Id(4)] public int Features { get; set; }
    [Id(5)] public double PIn { get; set; }
    [Id(6)] public double POut { get; set; }
    [Id(7)] public double Separation { get; set; }

    /// <summary>Seeds the generated graph, or the split of a file graph's nodes.</summary>
    [Id(8)] public int DataSeed { get; set; }
    [Id(9)] public string EdgesPath { get; set; } = "";
    [Id(10)] public string FeaturesPath { get; set; } = "";
    [Id(11)] public string LabelsPath { get; set; } = "";
    [Id(12)] public bool Undirected { get; set; } = true;
    [Id(13)] public int Layers { get; set; }
    [Id(14)] public int Hidden { get; set; }
    [Id(15)] public int LinearLayers { get; set; }

    /// <summary>sage or gcn.</summary>
    [Id(16)] public string Kind { get; set; } = "sage";
    [Id(17)] public float Dropout { get; set; }

    /// <summary>metis or random.</summary>
    [Id(18)] public string Partitioning { get; set; } = "metis";
    [Id(19)] public int Parts { get; set; }

    /// <summary>vanilla, pipelined or smoothed.</summary>
    [Id(20)] public string Mode { get; set; } = "vanilla";

    /// <summary>features, gradients or both.</summary>
    [Id(21)] public string Smooth { get; set; } = "both";
    [Id(22)] public float Gamma { get; set; }
    [Id(23)] public int Epochs { get; set; }
    [Id(24)] public float LearningRate { get; set; }
    [Id(25)] public float WeightDecay { get; set; }
    [Id(26)] public int Seed { get; set; }

    /// <summary>Boundary blocks up to this many bytes travel inside the Orleans message; larger ones by tensor reference (0: always by reference).</summary>
    [Id(27)] public int InlineLimitBytes { get; set; }

    /// <summary>k of a k-nearest-neighbour graph (fashion-mnist).</summary>
    [Id(28)] public int Neighbours { get; set; }

    /// <summary>Where the data set's files are: Fashion-MNIST's IDX files (fashion-mnist) or the graph's .gt.gz (graph-tool); empty: the Debian package's folder.</summary>
    [Id(29)] public string DataDirectory { get; set; } = "";

    /// <summary>Layer 0's aggregation is computed once before training, so layer 0 exchanges nothing in any epoch.</summary>
    [Id(40)] public bool PrecomputeFirstLayer { get; set; }

    /// <summary>
    /// Layer 0's halo rows travel every iteration like the other layers' (stale by one when pipelined) instead of being
    /// formed by each part from the features every silo holds (<c>exchange.input_rows: exchanged</c>; default false, local).
    /// </summary>
    [Id(43)] public bool ExchangeInputRows { get; set; }

    /// <summary>The coordinator hands its client a <see cref="GcnCheckpoint"/> every this many epochs (0: never).</summary>
    [Id(41)] public int CheckpointEvery { get; set; }

    /// <summary>The coordinator runs the evaluation pass every this many epochs and after the last (1: every epoch).</summary>
    [Id(44)] public int EvaluateEvery { get; set; } = 1;

    /// <summary>
    /// Which devices the parts compute on (<c>training.device</c>): any (each GPU of a silo that offers GPUs, else its
    /// CPU), cpu, or gpu (only silos' GPUs; the run fails at the start when no silo offers one).
    /// </summary>
    [Id(42)] public Orrery.Contracts.MetricGraphs.DevicePreference Device { get; set; }

    /// <summary>The graph of graph-tool's collection (graph-tool): its file name without .gt.gz, such as polblogs or football.</summary>
    [Id(50)] public string GraphName { get; set; } = "";

    /// <summary>The vertex property whose values are the classes (graph-tool).</summary>
    [Id(51)] public string LabelProperty { get; set; } = "";

    /// <summary>identity or random node features (graph-tool; random ones are <see cref="Features"/> wide).</summary>
    [Id(52)] public string NodeFeatures { get; set; } = "identity";
}

/// <summary>
/// Floats between the grains of a run: one boundary block between two parts (rows of features forward, of gradients
/// backward; <see cref="From"/> and <see cref="To"/> are parts), or the weights and a part's weight gradient between the
/// coordinator (-1) and a part.
/// </summary>
[GenerateSerializer]
[Alias("orrery.gcn.block")]
public sealed class GcnBlock
{
    [Id(0)] public int From { get; set; }
    [Id(1)] public int To { get; set; }

    /// <summary>The floats inline, or null when they travel by <see cref="Tensor"/>.</summary>
    [Id(2)] public float[]? Values { get; set; }

    /// <summary>The floats in the sender's tensor store, or null when inline.</summary>
    [Id(3)] public TensorRef? Tensor { get; set; }
}

/// <summary>A part's (or the sum of the parts') loss share and correct and total counts per split (train, validation, test).</summary>
[GenerateSerializer]
[Alias("orrery.gcn.scores")]
public sealed class GcnScores
{
    [Id(0)] public double Loss { get; set; }
    [Id(1)] public long[] Correct { get; set; } = new long[3];
    [Id(2)] public long[] Total { get; set; } = new long[3];
}

/// <summary>What a partition grain holds once set up.</summary>
[GenerateSerializer]
[Alias("orrery.gcn.part-info")]
public sealed class GcnPartInfo
{
    [Id(0)] public int Part { get; set; }
    [Id(1)] public int Inner { get; set; }
    [Id(2)] public int Halo { get; set; }
    [Id(3)] public string Silo { get; set; } = "";

    /// <summary>False while the part is still building the graph and its plan (ask again).</summary>
    [Id(4)] public bool Ready { get; set; }

    /// <summary>The device its model computes on ("cpu", "cuda:0", ...).</summary>
    [Id(5)] public string Device { get; set; } = "";
}

/// <summary>One epoch as the coordinator recorded it.</summary>
[GenerateSerializer]
[Alias("orrery.gcn.epoch")]
public sealed class GcnEpochRecord
{
    [Id(0)] public int Epoch { get; set; }
    [Id(1)] public double Loss { get; set; }
    [Id(2)] public double TrainAccuracy { get; set; }
    [Id(3)] public double ValidationAccuracy { get; set; }
    [Id(4)] public double TestAccuracy { get; set; }
    [Id(5)] public double Seconds { get; set; }
    [Id(6)] public double ExchangeSeconds { get; set; }

    /// <summary>
    /// Bytes of boundary blocks moved by the exchanges that ended in the epoch (training step and evaluation), by reference
    /// and inline. In the pipelined modes an iteration's training exchanges end in the next epoch (the last epoch's in
    /// the last), so the first epoch counts its evaluation's alone and the last one two iterations' training exchanges.
    /// </summary>
    [Id(7)] public long ExchangedBytes { get; set; }

    /// <summary>
    /// Seconds of the epoch's evaluation pass. An epoch without one (see <see cref="GcnTrainRequest.EvaluateEvery"/>)
    /// has 0 here and NaN for the three accuracies.
    /// </summary>
    [Id(8)] public double EvaluationSeconds { get; set; }
}

/// <summary>The coordinator's answer to a start: the graph, the parts and where they run.</summary>
[GenerateSerializer]
[Alias("orrery.gcn.start-reply")]
public sealed class GcnStartReply
{
    [Id(0)] public int Nodes { get; set; }
    [Id(1)] public long Edges { get; set; }
    [Id(2)] public long RowsExchangedPerLayer { get; set; }
    [Id(3)] public List<GcnPartInfo> Parts { get; set; } = [];
    [Id(4)] public string CoordinatorSilo { get; set; } = "";

    /// <summary>partition.csv's text (the partition report).</summary>
    [Id(5)] public string PartitionCsv { get; set; } = "";

    /// <summary>False while the set-up goes on (the other fields but the coordinator's silo are not filled yet).</summary>
    [Id(6)] public bool Ready { get; set; }

    /// <summary>What the set-up is doing, in words.</summary>
    [Id(7)] public string Phase { get; set; } = "";
}

/// <summary>Epochs finished since the last advance, and whether the run is over.</summary>
[GenerateSerializer]
[Alias("orrery.gcn.advance-reply")]
public sealed class GcnAdvanceReply
{
    [Id(0)] public List<GcnEpochRecord> Epochs { get; set; } = [];
    [Id(1)] public bool Finished { get; set; }

    /// <summary>Phases repeated after a lost part, since the start.</summary>
    [Id(2)] public int Recoveries { get; set; }

    /// <summary>The silo of each part now.</summary>
    [Id(3)] public List<string> PartSilos { get; set; } = [];

    /// <summary>The latest checkpoint taken during this advance (every <see cref="GcnTrainRequest.CheckpointEvery"/> epochs), or null.</summary>
    [Id(4)] public GcnCheckpoint? Checkpoint { get; set; }
}

/// <summary>
/// What a run needs to go on from the end of an epoch: the weights and Adam's state after <see cref="Epoch"/> epochs.
/// Everything else an epoch reads (dropout masks, the graph, the plans) follows from the seed and the epoch number,
/// so vanilla training resumed from it gives the undisturbed run's bits; the pipelined modes start the resumed epoch
/// with empty stale rows, as epoch 0 does.
/// </summary>
[GenerateSerializer]
[Alias("orrery.gcn.checkpoint")]
public sealed class GcnCheckpoint
{
    /// <summary>Epochs finished: the resumed run's next epoch.</summary>
    [Id(0)] public int Epoch { get; set; }
    [Id(1)] public float[] Weights { get; set; } = [];

    /// <summary>Adam's steps taken, first and second moments.</summary>
    [Id(2)] public int AdamSteps { get; set; }
    [Id(3)] public float[] AdamFirst { get; set; } = [];
    [Id(4)] public float[] AdamSecond { get; set; } = [];
}

/// <summary>One named weight matrix of the trained model.</summary>
[GenerateSerializer]
[Alias("orrery.gcn.weight")]
public sealed class GcnWeight
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public int Rows { get; set; }
    [Id(2)] public int Columns { get; set; }
    [Id(3)] public float[] Values { get; set; } = [];
}

/// <summary>A GCN request a grain cannot take (a bad run description, or a call out of order); the message names the field.</summary>
[GenerateSerializer]
[Alias("orrery.gcn.request-error")]
public sealed class GcnRequestException : Exception
{
    public GcnRequestException()
    {
    }

    public GcnRequestException(string message)
        : base(message)
    {
    }

    public GcnRequestException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A partition grain was called without its part: a fresh activation (its silo was lost and Orleans activated the
/// grain again elsewhere) or a call before its set-up. The coordinator sets the part up again and repeats the phase.
/// </summary>
[GenerateSerializer]
[Alias("orrery.gcn.part-lost")]
public sealed class GcnPartLostException : Exception
{
    public GcnPartLostException()
    {
    }

    public GcnPartLostException(string message)
        : base(message)
    {
    }

    public GcnPartLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A coordinator was called without its run: a fresh activation, because the silo that held the run was lost. The
/// client starts the run again under a new key.
/// </summary>
[GenerateSerializer]
[Alias("orrery.gcn.run-lost")]
public sealed class GcnRunLostException : Exception
{
    public GcnRunLostException()
    {
    }

    public GcnRunLostException(string message)
        : base(message)
    {
    }

    public GcnRunLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
