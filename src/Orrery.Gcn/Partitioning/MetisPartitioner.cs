using Orrery.Gcn.Graphs;

namespace Orrery.Gcn.Partitioning;

/// <summary>
/// METIS k-way partitioning minimising total communication volume (METIS_OBJTYPE_VOL), which for full-graph training
/// is the number of boundary rows exchanged per layer. METIS wants an undirected graph: the adjacency is symmetrised
/// and self-loops dropped.
/// </summary>
public static class MetisPartitioner
{
    /// <summary>True when libmetis loads; otherwise <paramref name="reason"/> says how to install it.</summary>
    public static bool IsAvailable(out string reason) => MetisNative.TryLoad(out reason);

    /// <summary>Part of each node of <paramref name="graph"/>.</summary>
    public static unsafe int[] Partition(GcnGraph graph, int parts, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        if (parts == 1)
        {
            return new int[graph.NodeCount];
        }

        if (!MetisNative.TryLoad(out var reason))
        {
            throw new PartitioningException(reason);
        }

        var n = graph.NodeCount;
        var neighbours = new HashSet<int>[n];
        for (var v = 0; v < n; v++)
        {
            neighbours[v] = [];
        }

        for (var v = 0; v < n; v++)
        {
            foreach (var u in graph.InNeighboursOf(v))
            {
                neighbours[v].Add(u);
                neighbours[u].Add(v);
            }
        }

        var xadj = new int[n + 1];
        for (var v = 0; v < n; v++)
        {
            xadj[v + 1] = xadj[v] + neighbours[v].Count;
        }

        var adjncy = new int[Math.Max(1, xadj[n])];
        for (var v = 0; v < n; v++)
        {
            var i = xadj[v];
            foreach (var u in neighbours[v].Order())
            {
                adjncy[i++] = u;
            }
        }

        var options = new int[MetisNative.OptionCount];
        var assignment = new int[n];
        int vertices = n, constraints = 1, partCount = parts, objective = 0;
        fixed (int* o = options, x = xadj, a = adjncy, part = assignment)
        {
            MetisNative.METIS_SetDefaultOptions(o);
            o[MetisNative.OptionObjectiveType] = MetisNative.ObjectiveVolume;
            o[MetisNative.OptionSeed] = seed;
            var status = MetisNative.METIS_PartGraphKway(&vertices, &constraints, x, a, null, null, null, &partCount, null, null, o, &objective, part);
            if (status != MetisNative.Ok)
            {
                throw new PartitioningException($"METIS_PartGraphKway returned {status} ({(status == -2 ? "METIS_ERROR_INPUT" : status == -3 ? "METIS_ERROR_MEMORY" : "METIS_ERROR")}) for {n} nodes, {xadj[n]} adjacency entries, {parts} parts");
            }
        }

        return assignment;
    }
}
