namespace Orrery.MetricGraphs.Graphs;

/// <summary>
/// The drift a_e(x) of one edge, in the edge's coordinate x in [0, L] (x grows from tail to head).
/// Create it with <see cref="None"/>, <see cref="Constant"/>, <see cref="Linear"/> or
/// <see cref="PiecewiseLinearPotential"/>; <see cref="MetricGraphBuilder.Build"/> checks it against the edge.
/// </summary>
public sealed class EdgeDrift
{
    private readonly PotentialPoint[] _points;

    private EdgeDrift(DriftKind kind, double offset, double slope, PotentialPoint[] points)
    {
        Kind = kind;
        Offset = offset;
        Slope = slope;
        _points = points;
    }

    /// <summary>No drift: a(x) = 0.</summary>
    public static EdgeDrift None { get; } = new(DriftKind.None, 0, 0, []);

    /// <summary>The drift's form.</summary>
    public DriftKind Kind { get; }

    /// <summary>The constant term: u for <see cref="DriftKind.Constant"/>, the offset for <see cref="DriftKind.Linear"/>, 0 otherwise.</summary>
    public double Offset { get; }

    /// <summary>The coefficient of x for <see cref="DriftKind.Linear"/>, 0 otherwise.</summary>
    public double Slope { get; }

    /// <summary>The potential's points for <see cref="DriftKind.PiecewiseLinearPotential"/> (x increasing from 0 to L), empty otherwise.</summary>
    public IReadOnlyList<PotentialPoint> Points => _points;

    /// <summary>Constant drift a(x) = <paramref name="velocity"/> (towards the head when positive).</summary>
    public static EdgeDrift Constant(double velocity) => new(DriftKind.Constant, velocity, 0, []);

    /// <summary>Drift linear in x, a(x) = <paramref name="offset"/> + <paramref name="slope"/> x: the quadratic potential V(x) = -offset x - slope x^2/2.</summary>
    public static EdgeDrift Linear(double slope, double offset = 0) => new(DriftKind.Linear, offset, slope, []);

    /// <summary>
    /// The drift a(x) = -dV/dx of a potential given at <paramref name="points"/> and linear between
    /// them: constant on each segment. The first point must be at x = 0 and the last at x = L.
    /// </summary>
    public static EdgeDrift PiecewiseLinearPotential(IEnumerable<PotentialPoint> points) =>
        new(DriftKind.PiecewiseLinearPotential, 0, 0, points.ToArray());

    /// <summary>The drift a(x) in double precision (the sampler uses the single-precision layout of <see cref="MetricGraph"/>).</summary>
    public double At(double x)
    {
        switch (Kind)
        {
            case DriftKind.Constant:
                return Offset;
            case DriftKind.Linear:
                return Offset + Slope * x;
            case DriftKind.PiecewiseLinearPotential:
                var segment = Segment(x);
                return -(_points[segment + 1].V - _points[segment].V) / (_points[segment + 1].X - _points[segment].X);
            default:
                return 0;
        }
    }

    /// <summary>The potential relative to the tail, V(x) - V(0), with a(x) = -dV/dx.</summary>
    public double Potential(double x)
    {
        switch (Kind)
        {
            case DriftKind.Constant:
                return -Offset * x;
            case DriftKind.Linear:
                return -(Offset * x + 0.5 * Slope * x * x);
            case DriftKind.PiecewiseLinearPotential:
                var segment = Segment(x);
                var (left, right) = (_points[segment], _points[segment + 1]);
                return left.V + (right.V - left.V) * (x - left.X) / (right.X - left.X) - _points[0].V;
            default:
                return 0;
        }
    }

    private int Segment(double x)
    {
        var segment = 0;
        while (segment < _points.Length - 2 && x >= _points[segment + 1].X)
        {
            segment++;
        }

        return segment;
    }
}
