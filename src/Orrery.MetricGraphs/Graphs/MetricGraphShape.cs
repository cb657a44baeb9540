namespace Orrery.MetricGraphs.Graphs;

/// <summary>Shape facts about a metric graph that checks and warnings rely on.</summary>
public static class MetricGraphShape
{
    /// <summary>
    /// The connected components (vertex indices, each list ascending), largest first, ties by their first vertex. An
    /// isolated vertex is a component of its own. Particles never move between components.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Components(MetricGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var parent = Enumerable.Range(0, graph.VertexCount).ToArray();
        int Find(int v)
        {
            while (parent[v] != v)
            {
                parent[v] = parent[parent[v]];
                v = parent[v];
            }

            return v;
        }

        foreach (var edge in graph.Edges)
        {
            var (a, b) = (Find(edge.Tail), Find(edge.Head));
            if (a != b)
            {
                parent[Math.Max(a, b)] = Math.Min(a, b);
            }
        }

        return [.. Enumerable.Range(0, graph.VertexCount)
            .GroupBy(Find)
            .Select(g => (IReadOnlyList<int>)[.. g.Order()])
            .OrderByDescending(c => c.Count).ThenBy(c => c[0])];
    }
}
