using System.Numerics;
using Orrery.Compute.Random;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Generators;

public static partial class MetricGraphGenerators
{
    /// <summary>
    /// A vessel-like branching tree grown from a root segment (inlet "v0", a source, at the origin, pointing
    /// along +z): repeatedly the terminal segment with the largest radius bifurcates (ties by index), until
    /// the tree has <see cref="VesselNetworkOptions.Edges"/> segments. Bifurcation b draws from
    /// Philox(seed, stream b, draw 0): X0 the flow fraction f (radii by Murray's law, r1 = f^(1/3) r,
    /// r2 = (1 - f)^(1/3) r), X1 and X2 the children's length/radius ratios, X3 the plane of the branching.
    /// Branching angles follow Murray's optimum cos(theta1) = (r^4 + r1^4 - r2^4) / (2 r^2 r1^2) (and
    /// symmetrically for theta2). Jump weights are proportional to cross-section area (edge weight r^2);
    /// terminal ends are absorbing outlets unless <see cref="VesselNetworkOptions.AbsorbingOutlets"/> is false.
    /// </summary>
    public static MetricGraph VesselNetwork(VesselNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Edges < 1 || options.Edges % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Edges, "VesselNetworkOptions.Edges must be odd and at least 1 (one root segment plus two per bifurcation)");
        }

        if (!(options.MinSplit > 0 && options.MinSplit <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MinSplit, "VesselNetworkOptions.MinSplit must be in (0, 0.5]");
        }

        if (!(options.MinAspect > 0 && options.MaxAspect >= options.MinAspect) || !(options.RootRadius > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "VesselNetworkOptions needs RootRadius > 0 and 0 < MinAspect <= MaxAspect");
        }

        var positions = new List<Vector3> { Vector3.Zero };
        var segments = new List<(int Tail, int Head, double Radius, double Length, Vector3 Direction)>();
        var rootLength = 0.5 * (options.MinAspect + options.MaxAspect) * options.RootRadius;
        positions.Add(new Vector3(0, 0, (float)rootLength));
        segments.Add((0, 1, options.RootRadius, rootLength, Vector3.UnitZ));
        var terminal = new PriorityQueue<int, (double NegativeRadius, int Index)>();
        terminal.Enqueue(0, (-options.RootRadius, 0));
        for (var bifurcation = 0; segments.Count < options.Edges; bifurcation++)
        {
            var parentIndex = terminal.Dequeue();
            var parent = segments[parentIndex];
            var block = Philox4x32.Generate(options.Seed, (ulong)bifurcation, 0);
            var f = options.MinSplit + (1 - 2 * options.MinSplit) * PortableBoxMuller.Uniform(block.X0);
            var r1 = parent.Radius * Math.Cbrt(f);
            var r2 = parent.Radius * Math.Cbrt(1 - f);
            var aspect1 = options.MinAspect + (options.MaxAspect - options.MinAspect) * PortableBoxMuller.Uniform(block.X1);
            var aspect2 = options.MinAspect + (options.MaxAspect - options.MinAspect) * PortableBoxMuller.Uniform(block.X2);
            var phi = 2 * Math.PI * PortableBoxMuller.Uniform(block.X3);

            var d = parent.Direction;
            var helper = MathF.Abs(d.X) < 0.9f ? Vector3.UnitX : Vector3.UnitY;
            var p = Vector3.Normalize(Vector3.Cross(d, helper));
            var q = Vector3.Cross(d, p);
            var normal = (float)Math.Cos(phi) * p + (float)Math.Sin(phi) * q;
            var theta1 = MurrayAngle(parent.Radius, r1, r2);
            var theta2 = MurrayAngle(parent.Radius, r2, r1);
            var d1 = Vector3.Normalize((float)Math.Cos(theta1) * d + (float)Math.Sin(theta1) * normal);
            var d2 = Vector3.Normalize((float)Math.Cos(theta2) * d - (float)Math.Sin(theta2) * normal);

            foreach (var (radius, aspect, direction) in new[] { (r1, aspect1, d1), (r2, aspect2, d2) })
            {
                var length = aspect * radius;
                positions.Add(positions[parent.Head] + (float)length * direction);
                segments.Add((parent.Head, positions.Count - 1, radius, length, direction));
                terminal.Enqueue(segments.Count - 1, (-radius, segments.Count - 1));
            }
        }

        var isTerminal = new bool[positions.Count];
        foreach (var s in segments)
        {
            isTerminal[s.Head] = true;
        }

        foreach (var s in segments)
        {
            isTerminal[s.Tail] = false;
        }

        var builder = new MetricGraphBuilder();
        for (var v = 0; v < positions.Count; v++)
        {
            var kind = v == 0 ? VertexKind.Source : isTerminal[v] && options.AbsorbingOutlets ? VertexKind.Absorbing : VertexKind.Junction;
            builder.AddVertex(VertexId(v), kind, position: positions[v]);
        }

        for (var e = 0; e < segments.Count; e++)
        {
            var s = segments[e];
            var drift = options.RootVelocity == 0 ? EdgeDrift.None : EdgeDrift.Constant(options.RootVelocity * s.Radius / options.RootRadius);
            builder.AddEdge(EdgeId(e), VertexId(s.Tail), VertexId(s.Head), s.Length, options.Sigma, drift, weight: s.Radius * s.Radius);
        }

        return builder.Build();
    }

    private static double MurrayAngle(double parent, double child, double sibling)
    {
        var cos = (Math.Pow(parent, 4) + Math.Pow(child, 4) - Math.Pow(sibling, 4)) / (2 * parent * parent * child * child);
        return Math.Acos(Math.Clamp(cos, -1, 1));
    }
}
