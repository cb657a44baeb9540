using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Experiments;

/// <summary>
/// A check of a run against a closed form of specs/metric-graphs.md on a star graph (a centre vertex that
/// is the tail, x = 0, of every edge; the leaves at x = L_e), with tolerance = <see cref="StandardErrors"/>
/// Monte Carlo standard errors plus a bias allowance:
/// <list type="bullet">
/// <item><c>star-stationary</c> (no absorbing vertex, one sigma): the occupation fraction of each edge in the
/// last window against P(e) = Z_e / sum Z, Z_e = b_e integral_0^L exp(-V_e(x) / D) dx (closed form 1, with a
/// potential when the edges have drift), and the density p_e(x) = b_e exp(-V_e(x) / D) / sum Z for the plot.
/// The standard error is sqrt(p (1 - p) / N): each particle's time-averaged occupation lies in [0, 1] with mean
/// p, so its variance is at most p (1 - p). Default allowance 1e-3 (the scheme's O(dt) bias, the initial
/// condition's memory: give the run a burn-in of several relaxation times before its last window), plus the
/// modelled shift of drift into the centre (<see cref="VertexDriftShifts"/>: O(dt) with <c>boundary: bridge</c>,
/// O(sqrt(dt)) with <c>step</c>), so that a correct sampler passes at any particle count.</item>
/// <item><c>star-exit</c> (absorbing leaves, no drift, one sigma, start at the centre): the exit fraction of
/// each leaf against (b_k / L_k) / sum (b_e / L_e) (closed form 3) with the binomial standard error, and the
/// mean exit time against sum b_e L_e / (2 D sum b_e / L_e) (closed form 4) with its sample standard error.
/// Default allowance with <c>boundary: step</c>: twice the change of the closed form when every length grows by
/// 0.5826 sigma sqrt(dt) (a discretely monitored absorbing end acts as if that much further away: Broadie, Glasserman
/// and Kou), plus 1e-3 for the fractions and dt for the mean. With <c>bridge</c> (touches of the leaves and the centre
/// found by the bridge test, passage times drawn from the bridge's law) the bias is O(dt) and small: measured within
/// 2.6 standard errors of 0 at dt = 0.04 with 4e6 particles (|error| &lt;= 6.5e-4 in the fractions, 4.5e-4 in the mean
/// of the example star), so 1e-3 + 0.05 dt for the fractions and dt + 0.1 dt x the mean for the mean.
/// Every particle must have exited (a longer run otherwise).</item>
/// </list>
/// </summary>
public sealed class SamplingCheck
{
    private const double BgkShift = 0.5826;

    private readonly int _centre;
    private readonly double _sigma;
    private readonly BoundaryScheme _boundary;

    private SamplingCheck(string closedForm, double standardErrors, double? bias, int centre, double sigma, BoundaryScheme boundary)
    {
        ClosedForm = closedForm;
        StandardErrors = standardErrors;
        Bias = bias;
        _centre = centre;
        _sigma = sigma;
        _boundary = boundary;
    }

    /// <summary><c>star-stationary</c> or <c>star-exit</c>.</summary>
    public string ClosedForm { get; }

    /// <summary>Standard errors allowed. Default 5.</summary>
    public double StandardErrors { get; }

    /// <summary>The bias allowance the spec gives; null for the derived default.</summary>
    public double? Bias { get; }

    /// <summary>Reads the <c>check</c> section and checks that the closed form applies to this run.</summary>
    public static SamplingCheck Read(SpecNode node, MetricGraph graph, SamplingOptions options, InitialPlacement initial)
    {
        ArgumentNullException.ThrowIfNull(node);
        node.AllowOnly("closed_form", "standard_errors", "bias");
        var formNode = node.Require("closed_form");
        var form = formNode.AsChoice("star-stationary", "star-exit");
        var standardErrors = node.Optional("standard_errors")?.AsDouble(0.1, 100) ?? 5;
        var bias = node.Optional("bias")?.AsDouble(0, 1e6);

        var centre = -1;
        for (var v = 0; v < graph.VertexCount && centre < 0; v++)
        {
            if (graph.Degree(v) == graph.EdgeCount && graph.Edges.All(e => e.Tail == v))
            {
                centre = v;
            }
        }

        if (centre < 0 || graph.EdgeCount < 2 || graph.Edges.Any(e => graph.Degree(e.Head) != 1))
        {
            throw formNode.Fail($"{form} needs a star graph: one centre vertex at x = 0 of every edge, each edge ending in its own leaf (the star generator makes one)");
        }

        var sigma = graph.Edges[0].Sigma;
        if (graph.Edges.Any(e => e.Sigma != sigma))
        {
            throw formNode.Fail($"{form} needs the same sigma on every edge");
        }

        if (form == "star-stationary")
        {
            if (graph.AbsorbingVertices.Count > 0)
            {
                throw formNode.Fail("star-stationary needs a graph without absorbing vertices (reflecting leaves)");
            }
        }
        else
        {
            if (graph.Edges.Any(e => graph.VertexKinds[e.Head] != VertexKind.Absorbing))
            {
                throw formNode.Fail("star-exit needs every leaf absorbing (graph: {generator: star, leaves: absorbing})");
            }

            if (graph.Edges.Any(e => e.Drift.Kind != DriftKind.None))
            {
                throw formNode.Fail("star-exit needs edges without drift");
            }

            if (initial.Kind != InitialKind.AtVertex || initial.Vertex != centre)
            {
                throw formNode.Fail($"star-exit needs the particles to start at the centre: initial: {{vertex: {graph.Vertices[centre].Id}}}");
            }
        }

        return new SamplingCheck(form, standardErrors, bias, centre, sigma, options.Boundary);
    }

    /// <summary>The closed-form density p_e(x) of a stationary check as a function of (edge index, x); null for exit checks.</summary>
    public Func<int, double, double>? Density(MetricGraph graph)
    {
        if (ClosedForm != "star-stationary")
        {
            return null;
        }

        var d = 0.5 * _sigma * _sigma;
        var z = StationaryMasses(graph, d);
        var total = z.Sum();
        return (e, x) => graph.JumpWeight(_centre, e) * Math.Exp(-graph.Edges[e].Drift.Potential(x) / d) / total;
    }

    /// <summary>Compares <paramref name="result"/> with the closed form, one line per quantity.</summary>
    public IReadOnlyList<CheckLine> Evaluate(MetricGraph graph, SamplingResult result)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(result);
        var d = 0.5 * _sigma * _sigma;
        var lines = new List<CheckLine>();
        if (ClosedForm == "star-stationary")
        {
            var z = StationaryMasses(graph, d);
            var window = result.WindowCount - 1;
            var shifts = VertexDriftShifts(graph, z, result.TimeStep);
            for (var e = 0; e < graph.EdgeCount; e++)
            {
                var p = z[e] / z.Sum();
                var se = Math.Sqrt(p * (1 - p) / result.Particles);
                lines.Add(Line($"P(edge {graph.Edges[e].Id}), window {window}", result.OccupationFraction(window, e), p, se, Bias ?? 1e-3 + shifts[e]));
            }

            return lines;
        }

        var weights = graph.Edges.Select((_, e) => graph.JumpWeight(_centre, e)).ToArray();
        var lengths = graph.Edges.Select(e => e.Length).ToArray();
        var shifted = lengths.Select(l => l + BgkShift * _sigma * Math.Sqrt(result.TimeStep)).ToArray();
        var bridge = _boundary == BoundaryScheme.Bridge;
        var exact = ExitFractions(weights, lengths);
        var moved = ExitFractions(weights, shifted);
        for (var e = 0; e < graph.EdgeCount; e++)
        {
            var p = exact[e];
            var se = Math.Sqrt(p * (1 - p) / result.Particles);
            var allowance = bridge ? 1e-3 + 0.05 * result.TimeStep : 2 * Math.Abs(moved[e] - p) + 1e-3;
            lines.Add(Line($"P(exit at {graph.Vertices[graph.Edges[e].Head].Id})", result.ExitFraction(graph.Edges[e].Head), p, se, Bias ?? allowance));
        }

        var mean = MeanExitTime(weights, lengths, d);
        var meanShifted = MeanExitTime(weights, shifted, d);
        var meanAllowance = bridge ? result.TimeStep * (1 + 0.1 * mean) : 2 * Math.Abs(meanShifted - mean) + result.TimeStep;
        lines.Add(Line("mean exit time", result.MeanExitTime, mean, result.MeanExitTimeStandardError, Bias ?? meanAllowance));
        var left = result.Particles - result.Exited;
        lines.Add(new CheckLine("particles still on the graph", left, 0, 0, left == 0));
        return lines;
    }

    /// <summary>
    /// The bias of drift into the centre, as a shift of mass between edges: edge e's mass is scaled by f_e before
    /// normalisation, on edges whose drift at the centre a_e(0) points into it. Returns |p'_e - p_e| per edge, 0 without
    /// such drift.
    /// <list type="bullet">
    /// <item><c>step</c>, O(sqrt(dt)), modelled as ClosedFormChecks does: the scheme sees the centre only at a step's end,
    /// which acts as if the vertex were moved kappa sigma sqrt(dt) outwards, f_e = exp(-2 kappa |a_e(0)| sqrt(dt) / sigma)
    /// (kappa measured at 0.27; 0.5 used).</item>
    /// <item><c>bridge</c>, O(dt): f_e = exp(-kappa a_e(0)^2 dt / D), kappa = 0.3, twice the largest measured: 0.12-0.15
    /// from the accuracy study's 3-arm star (drifts 1, 2, 3 into the centre, slope 1.0 in dt) and from a 3-arm star with
    /// drifts 1, 2, 4 at dt = 0.01 (bench/results/metric-graphs.md).</item>
    /// </list>
    /// </summary>
    private double[] VertexDriftShifts(MetricGraph graph, double[] masses, double dt)
    {
        var d = 0.5 * _sigma * _sigma;
        var total = masses.Sum();
        var factors = graph.Edges.Select(edge =>
        {
            var inward = Math.Max(0, -edge.Drift.At(0));
            return _boundary == BoundaryScheme.Bridge ? Math.Exp(-0.3 * inward * inward * dt / d) : Math.Exp(-2 * 0.5 * inward * Math.Sqrt(dt) / _sigma);
        }).ToArray();
        var modelTotal = masses.Zip(factors, (m, f) => m * f).Sum();
        return masses.Select((m, e) => Math.Abs(m * factors[e] / modelTotal - m / total)).ToArray();
    }

    private CheckLine Line(string what, double estimate, double exact, double standardError, double bias)
    {
        var tolerance = StandardErrors * standardError + bias;
        return new CheckLine(what, estimate, exact, tolerance, Math.Abs(estimate - exact) <= tolerance);
    }

    /// <summary>Z_e = b_e integral_0^L exp(-V_e(x) / D) dx, by Simpson's rule on 2000 intervals (exact for no drift).</summary>
    private double[] StationaryMasses(MetricGraph graph, double d)
    {
        const int intervals = 2000;
        var z = new double[graph.EdgeCount];
        for (var e = 0; e < graph.EdgeCount; e++)
        {
            var edge = graph.Edges[e];
            var h = edge.Length / intervals;
            var sum = 0.0;
            for (var i = 0; i <= intervals; i++)
            {
                var weight = i == 0 || i == intervals ? 1 : i % 2 == 1 ? 4 : 2;
                sum += weight * Math.Exp(-edge.Drift.Potential(i * h) / d);
            }

            z[e] = graph.JumpWeight(_centre, e) * sum * h / 3;
        }

        return z;
    }

    private static double[] ExitFractions(double[] weights, double[] lengths)
    {
        var total = weights.Select((b, e) => b / lengths[e]).Sum();
        return weights.Select((b, e) => b / lengths[e] / total).ToArray();
    }

    private static double MeanExitTime(double[] weights, double[] lengths, double d) =>
        weights.Select((b, e) => b * lengths[e]).Sum() / (2 * d * weights.Select((b, e) => b / lengths[e]).Sum());
}
