namespace Orrery.Gcn.Graphs;

/// <summary>
/// A labelled graph to train on, whole: in-neighbour lists in CSR form (deduplicated, no self-loops: the model adds
/// each node's own loop), node features, targets and the train/validation/test split.
/// </summary>
public sealed class GcnGraph
{
    /// <summary>Builds a graph from directed edges <c>source → target</c>; duplicates and self-loops are dropped.</summary>
    /// <param name="nodes">Number of nodes.</param>
    /// <param name="edges">Edges as (source, target); a message flows from source to target.</param>
    /// <param name="features">Row-major (nodes, featureCount).</param>
    /// <param name="featureCount">Features per node.</param>
    /// <param name="targets">Row-major (nodes, classes): one-hot rows for single-label data, 0/1 rows for multi-label.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="multiLabel">True for sigmoid BCE over independent labels, false for softmax cross-entropy.</param>
    /// <param name="split">Per node: 0 train, 1 validation, 2 test, anything else unused.</param>
    public GcnGraph(int nodes, IReadOnlyList<(int Source, int Target)> edges, float[] features, int featureCount, float[] targets, int classes, bool multiLabel, byte[] split)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (features.Length != (long)nodes * featureCount)
        {
            throw new ArgumentException($"features hold {features.Length} values; {nodes} nodes × {featureCount} features need {(long)nodes * featureCount}", nameof(features));
        }

        if (targets.Length != (long)nodes * classes)
        {
            throw new ArgumentException($"targets hold {targets.Length} values; {nodes} nodes × {classes} classes need {(long)nodes * classes}", nameof(targets));
        }

        if (split.Length != nodes)
        {
            throw new ArgumentException($"split holds {split.Length} entries for {nodes} nodes", nameof(split));
        }

        NodeCount = nodes;
        FeatureCount = featureCount;
        ClassCount = classes;
        MultiLabel = multiLabel;
        Features = features;
        Targets = targets;
        Split = split;

        var counts = new int[nodes + 1];
        foreach (var (s, t) in edges)
        {
            if ((uint)s >= (uint)nodes || (uint)t >= (uint)nodes)
            {
                throw new ArgumentException($"edge {s} → {t} names a node outside [0, {nodes})", nameof(edges));
            }

            if (s != t)
            {
                counts[t + 1]++;
            }
        }

        for (var i = 0; i < nodes; i++)
        {
            counts[i + 1] += counts[i];
        }

        var columns = new int[counts[nodes]];
        var fill = (int[])counts.Clone();
        foreach (var (s, t) in edges)
        {
            if (s != t)
            {
                columns[fill[t]++] = s;
            }
        }

        // Sort and deduplicate each row; the sorted order is also the summation order of the aggregation, so every
        // partition sums a node's neighbours in the same order as the whole graph does.
        var rowStart = new int[nodes + 1];
        var write = 0;
        for (var v = 0; v < nodes; v++)
        {
            var row = columns.AsSpan(counts[v], counts[v + 1] - counts[v]);
            row.Sort();
            rowStart[v] = write;
            for (var i = 0; i < row.Length; i++)
            {
                if (i == 0 || row[i] != row[i - 1])
                {
                    columns[write++] = row[i];
                }
            }
        }

        rowStart[nodes] = write;
        InRowStart = rowStart;
        InNeighbours = columns.AsSpan(0, write).ToArray();
        TrainCount = split.Count(s => s == 0);
    }

    /// <summary>Number of nodes.</summary>
    public int NodeCount { get; }

    /// <summary>Features per node.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of classes (output width).</summary>
    public int ClassCount { get; }

    /// <summary>Sigmoid BCE over independent labels when true, softmax cross-entropy otherwise.</summary>
    public bool MultiLabel { get; }

    /// <summary>(nodes, features) row-major.</summary>
    public float[] Features { get; }

    /// <summary>(nodes, classes) row-major.</summary>
    public float[] Targets { get; }

    /// <summary>Per node: 0 train, 1 validation, 2 test.</summary>
    public byte[] Split { get; }

    /// <summary>Nodes in the training split, over the whole graph: the loss divides by it.</summary>
    public int TrainCount { get; }

    /// <summary>CSR row starts of the in-neighbour lists (length nodes + 1).</summary>
    public int[] InRowStart { get; }

    /// <summary>In-neighbours of each node, sorted, without the node itself.</summary>
    public int[] InNeighbours { get; }

    /// <summary>Distinct directed edges, self-loops excluded.</summary>
    public int EdgeCount => InNeighbours.Length;

    /// <summary>In-neighbours of <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> InNeighboursOf(int node) => InNeighbours.AsSpan(InRowStart[node], InRowStart[node + 1] - InRowStart[node]);

    /// <summary>In-degree with the self-loop the model adds: the divisor of GraphSAGE-mean and the D of D^-1/2 (A + I) D^-1/2.</summary>
    public int DegreeWithSelfLoop(int node) => InRowStart[node + 1] - InRowStart[node] + 1;
}
