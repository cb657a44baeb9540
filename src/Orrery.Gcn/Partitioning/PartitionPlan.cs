using Orrery.Gcn.Graphs;
using Orrery.Gcn.Model;

namespace Orrery.Gcn.Partitioning;

/// <summary>
/// What one part of a partitioned graph holds: its inner nodes (sorted by global id), its halo (the other parts'
/// nodes that are in-neighbours of inner nodes, grouped by owner, sorted by global id within an owner), the
/// normalised adjacency rows of its inner nodes over local indices (inner 0..n-1, then halo n..n+h-1), and which of
/// its inner rows each peer needs. A part's rows for peer q are listed in the same order as q's halo rows owned by it,
/// so a block moves between them without an index list.
/// </summary>
public sealed class PartitionPlan
{
    private PartitionPlan()
    {
    }

    /// <summary>This part's number.</summary>
    public int Part { get; private init; }

    /// <summary>Number of parts.</summary>
    public int PartCount { get; private init; }

    /// <summary>Global ids of the inner nodes, ascending.</summary>
    public int[] Inner { get; private init; } = [];

    /// <summary>Global ids of the halo nodes, grouped by owner part, ascending within one owner.</summary>
    public int[] Halo { get; private init; } = [];

    /// <summary>Per peer part: first index into <see cref="Halo"/> and count of the halo rows it owns.</summary>
    public (int Start, int Count)[] HaloByPeer { get; private init; } = [];

    /// <summary>Per peer part: local indices of the inner rows the peer needs (its halo rows owned here), in its order.</summary>
    public int[][] SendToPeer { get; private init; } = [];

    /// <summary>Per peer part: first row of its gradients in the concatenation of <see cref="SendToPeer"/>.</summary>
    public int[] SendOffset { get; private init; } = [];

    /// <summary>Rows sent to all peers together.</summary>
    public int SendCount { get; private init; }

    /// <summary>CSR row starts over inner nodes (length n + 1).</summary>
    public int[] RowStart { get; private init; } = [];

    /// <summary>Local column index of each entry: inner below n, halo from n on. Each row includes its node's self-loop.</summary>
    public int[] Columns { get; private init; } = [];

    /// <summary>Normalisation of each entry: 1/deg(v) for SAGE, 1/sqrt(deg(v) deg(u)) for GCN, degrees global with the self-loop.</summary>
    public float[] Coefficients { get; private init; } = [];

    /// <summary>Inner features, (n, features).</summary>
    public float[] Features { get; private init; } = [];

    /// <summary>
    /// The halo nodes' raw features, (h, features), in halo order, for a layer 0 that forms its halo rows itself or is
    /// precomputed; empty in plans built without them (a model whose layer 0 exchanges its rows).
    /// </summary>
    public float[] HaloFeatures { get; private set; } = [];

    /// <summary>Inner targets, (n, classes).</summary>
    public float[] Targets { get; private init; } = [];

    /// <summary>Inner split (0 train, 1 validation, 2 test).</summary>
    public byte[] Split { get; private init; } = [];

    /// <summary>Training nodes of the whole graph: the loss's divisor.</summary>
    public int GlobalTrainCount { get; private init; }

    /// <summary>Number of inner nodes.</summary>
    public int InnerCount => Inner.Length;

    /// <summary>
    /// This plan with the halo nodes' raw features from <paramref name="graph"/> (the graph it was built from): itself
    /// when it holds them already, else a copy that shares every other array.
    /// </summary>
    public PartitionPlan WithHaloFeatures(GcnGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var f = graph.FeatureCount;
        if (HaloFeatures.Length == HaloCount * f)
        {
            return this;
        }

        var copy = (PartitionPlan)MemberwiseClone();
        copy.HaloFeatures = new float[HaloCount * f];
        for (var i = 0; i < HaloCount; i++)
        {
            graph.Features.AsSpan(Halo[i] * f, f).CopyTo(copy.HaloFeatures.AsSpan(i * f));
        }

        return copy;
    }

    /// <summary>Number of halo nodes.</summary>
    public int HaloCount => Halo.Length;

    /// <summary>Adjacency entries of the inner rows, self-loops included.</summary>
    public int EdgeCount => Columns.Length;

    /// <summary>
    /// Splits <paramref name="graph"/> by <paramref name="assignment"/> (part of each node) into one plan per part, with the
    /// halo's raw features unless <paramref name="haloFeatures"/> is false (<see cref="GcnModelConfig.NeedsHaloFeatures"/>).
    /// </summary>
    public static PartitionPlan[] Build(GcnGraph graph, int[] assignment, int parts, GcnLayerKind kind, bool haloFeatures = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        if (assignment.Length != graph.NodeCount)
        {
            throw new ArgumentException($"the assignment names {assignment.Length} nodes; the graph has {graph.NodeCount}", nameof(assignment));
        }

        var layout = new Layout(graph, assignment, parts);
        var plans = new PartitionPlan[parts];
        for (var p = 0; p < parts; p++)
        {
            plans[p] = BuildPart(layout, p, kind, haloFeatures);
        }

        return plans;
    }

    /// <summary>The plan of part <paramref name="p"/>: its halo by owner, its send lists, its adjacency rows and its rows of the data.</summary>
    private static PartitionPlan BuildPart(Layout split, int p, GcnLayerKind kind, bool withHaloFeatures)
    {
        var (graph, parts, inner) = (split.Graph, split.Parts, split.Inner[p]);
        var n = inner.Count;
        var halo = new List<int>();
        var haloByPeer = new (int, int)[parts];
        var haloLocal = new Dictionary<int, int>();
        for (var q = 0; q < parts; q++)
        {
            haloByPeer[q] = (halo.Count, split.HaloSets[p, q].Count);
            foreach (var u in split.HaloSets[p, q])
            {
                haloLocal[u] = n + halo.Count;
                halo.Add(u);
            }
        }

        var send = new int[parts][];
        var sendOffset = new int[parts];
        var sendCount = 0;
        for (var q = 0; q < parts; q++)
        {
            send[q] = [.. split.HaloSets[q, p].Select(u => split.LocalIndex[u])];
            sendOffset[q] = sendCount;
            sendCount += send[q].Length;
        }

        var (rowStart, columns, coefficients) = Adjacency(split, p, haloLocal, kind);
        int f = graph.FeatureCount, c = graph.ClassCount;
        var features = new float[n * f];
        var targets = new float[n * c];
        var nodeSplit = new byte[n];
        for (var i = 0; i < n; i++)
        {
            var v = inner[i];
            graph.Features.AsSpan(v * f, f).CopyTo(features.AsSpan(i * f));
            graph.Targets.AsSpan(v * c, c).CopyTo(targets.AsSpan(i * c));
            nodeSplit[i] = graph.Split[v];
        }

        var haloFeatures = withHaloFeatures ? new float[halo.Count * f] : [];
        for (var i = 0; withHaloFeatures && i < halo.Count; i++)
        {
            graph.Features.AsSpan(halo[i] * f, f).CopyTo(haloFeatures.AsSpan(i * f));
        }

        return new PartitionPlan
        {
            Part = p,
            PartCount = parts,
            Inner = [.. inner],
            Halo = [.. halo],
            HaloByPeer = haloByPeer,
            SendToPeer = send,
            SendOffset = sendOffset,
            SendCount = sendCount,
            RowStart = rowStart,
            Columns = columns,
            Coefficients = coefficients,
            Features = features,
            HaloFeatures = haloFeatures,
            Targets = targets,
            Split = nodeSplit,
            GlobalTrainCount = graph.TrainCount,
        };
    }

    /// <summary>
    /// Part <paramref name="p"/>'s adjacency rows in CSR form over local indices (inner nodes first, then the halo),
    /// the self-loop in its sorted place, with the layer kind's coefficients.
    /// </summary>
    private static (int[] RowStart, int[] Columns, float[] Coefficients) Adjacency(Layout split, int p, Dictionary<int, int> haloLocal, GcnLayerKind kind)
    {
        var (graph, inner) = (split.Graph, split.Inner[p]);
        var rowStart = new int[inner.Count + 1];
        var columns = new List<int>();
        var coefficients = new List<float>();
        for (var i = 0; i < inner.Count; i++)
        {
            var v = inner[i];
            var degree = graph.DegreeWithSelfLoop(v);
            rowStart[i] = columns.Count;
            var selfDone = false;
            foreach (var u in graph.InNeighboursOf(v))
            {
                if (!selfDone && u > v)
                {
                    AddEntry(v, i);
                    selfDone = true;
                }

                AddEntry(u, split.Assignment[u] == p ? split.LocalIndex[u] : haloLocal[u]);
            }

            if (!selfDone)
            {
                AddEntry(v, i);
            }

            void AddEntry(int u, int local)
            {
                columns.Add(local);
                coefficients.Add(kind == GcnLayerKind.Sage
                    ? 1f / degree
                    : (float)(1.0 / Math.Sqrt((double)degree * graph.DegreeWithSelfLoop(u))));
            }
        }

        rowStart[inner.Count] = columns.Count;
        return (rowStart, [.. columns], [.. coefficients]);
    }

    /// <summary>
    /// The assignment worked out: each part's inner nodes (ascending), each node's index within its part, and each
    /// part's halo by owner (<c>HaloSets[p, q]</c>: the nodes of q that p reads, which is also q's send list to p).
    /// </summary>
    private sealed class Layout
    {
        public Layout(GcnGraph graph, int[] assignment, int parts)
        {
            (Graph, Assignment, Parts) = (graph, assignment, parts);
            Inner = new List<int>[parts];
            for (var p = 0; p < parts; p++)
            {
                Inner[p] = [];
            }

            for (var v = 0; v < graph.NodeCount; v++)
            {
                var p = assignment[v];
                if ((uint)p >= (uint)parts)
                {
                    throw new ArgumentException($"node {v} is assigned to part {p}; parts are 0..{parts - 1}", nameof(assignment));
                }

                Inner[p].Add(v);
            }

            LocalIndex = new int[graph.NodeCount];
            for (var p = 0; p < parts; p++)
            {
                for (var i = 0; i < Inner[p].Count; i++)
                {
                    LocalIndex[Inner[p][i]] = i;
                }
            }

            HaloSets = new SortedSet<int>[parts, parts];
            for (var p = 0; p < parts; p++)
            {
                for (var q = 0; q < parts; q++)
                {
                    HaloSets[p, q] = [];
                }

                foreach (var v in Inner[p])
                {
                    foreach (var u in graph.InNeighboursOf(v))
                    {
                        if (assignment[u] != p)
                        {
                            HaloSets[p, assignment[u]].Add(u);
                        }
                    }
                }
            }
        }

        public GcnGraph Graph { get; }

        public int[] Assignment { get; }

        public int Parts { get; }

        public List<int>[] Inner { get; }

        public int[] LocalIndex { get; }

        public SortedSet<int>[,] HaloSets { get; }
    }
}
