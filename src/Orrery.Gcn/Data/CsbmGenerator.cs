using Orrery.Gcn.Graphs;

namespace Orrery.Gcn.Data;

/// <summary>
/// Contextual stochastic block model: n nodes in k equally likely planted classes; each unordered pair is an edge
/// with probability p_in within a class and p_out across (sampled sparsely: the count of each class pair's edges is
/// drawn, then its endpoints, so millions of nodes cost O(edges)); features x_v = μ e_{class(v)} + N(0, σ² I) in d
/// ≥ k dimensions. Edges are stored both ways. Split: 60% train, 20% validation, 20% test.
/// </summary>
/// <param name="Nodes">Number of nodes.</param>
/// <param name="Classes">Number of classes k.</param>
/// <param name="Features">Feature width d (at least k).</param>
/// <param name="IntraProbability">p_in.</param>
/// <param name="InterProbability">p_out.</param>
/// <param name="Separation">μ: distance of a class mean from the origin, in units of σ = 1.</param>
/// <param name="Seed">Seeds everything.</param>
public sealed record CsbmGenerator(int Nodes, int Classes, int Features, double IntraProbability, double InterProbability, double Separation, int Seed = 1)
{
    /// <summary>
    /// Accuracy of the Bayes classifier that sees a node's own features only: argmax_c x_c, correct with probability
    /// ∫ φ(t) Φ(t + μ)^{k−1} dt (computed by quadrature). The graph can only raise it; with p_in ≫ p_out the mean
    /// over a neighbourhood of D same-class-heavy nodes behaves like separation μ·√D·(p_in − p_out)/(p_in + (k−1)p_out)
    /// and this formula with that separation is the ceiling <see cref="NeighbourhoodCeiling"/> reports.
    /// </summary>
    public double FeatureOnlyAccuracy => ArgmaxAccuracy(Separation);

    /// <summary>
    /// Approximate ceiling of a one-hop mean aggregator: the feature-only formula with the separation of the average
    /// of a node and its expected D neighbours (class signal (1 + D_in − D_out/(k−1))μ/(1 + D), noise σ/√(1 + D)).
    /// </summary>
    public double NeighbourhoodCeiling
    {
        get
        {
            var perClass = Nodes / (double)Classes;
            var same = IntraProbability * perClass;
            var other = InterProbability * (Nodes - perClass);
            var d = 1 + same + other;
            var signal = (1 + same - (Classes > 1 ? other / (Classes - 1) : 0)) / d;
            return ArgmaxAccuracy(Separation * signal * Math.Sqrt(d));
        }
    }

    /// <summary>Generates the graph.</summary>
    public GcnGraph Generate()
    {
        if (Nodes < Classes || Classes < 2)
        {
            throw new ArgumentException($"csbm: nodes ({Nodes}) must be at least classes ({Classes}) and classes at least 2");
        }

        if (Features < Classes)
        {
            throw new ArgumentException($"csbm.features is {Features}; it must be at least classes ({Classes})");
        }

        if (IntraProbability is < 0 or > 1 || InterProbability is < 0 or > 1)
        {
            throw new ArgumentException($"csbm.pIn ({IntraProbability}) and csbm.pOut ({InterProbability}) must be probabilities in [0, 1]");
        }

        var random = new Random(Seed);
        var label = new int[Nodes];
        var members = new List<int>[Classes];
        for (var c = 0; c < Classes; c++)
        {
            members[c] = [];
        }

        for (var v = 0; v < Nodes; v++)
        {
            label[v] = v % Classes;
            members[label[v]].Add(v);
        }

        var edges = new List<(int, int)>();
        for (var a = 0; a < Classes; a++)
        {
            for (var b = a; b < Classes; b++)
            {
                double pairs = a == b ? (double)members[a].Count * (members[a].Count - 1) / 2 : (double)members[a].Count * members[b].Count;
                var p = a == b ? IntraProbability : InterProbability;
                var count = SampleCount(random, pairs, p);
                for (long e = 0; e < count; e++)
                {
                    var u = members[a][random.Next(members[a].Count)];
                    var v = members[b][random.Next(members[b].Count)];
                    if (u != v)
                    {
                        edges.Add((u, v));
                        edges.Add((v, u));
                    }
                }
            }
        }

        var features = new float[(long)Nodes * Features];
        var targets = new float[(long)Nodes * Classes];
        var split = new byte[Nodes];
        for (var v = 0; v < Nodes; v++)
        {
            for (var j = 0; j < Features; j++)
            {
                features[(long)v * Features + j] = (float)Normal(random);
            }

            features[(long)v * Features + label[v]] += (float)Separation;
            targets[(long)v * Classes + label[v]] = 1f;
            var r = random.NextDouble();
            split[v] = r < 0.6 ? (byte)0 : r < 0.8 ? (byte)1 : (byte)2;
        }

        return new GcnGraph(Nodes, edges, features, Features, targets, Classes, multiLabel: false, split);
    }

    private double ArgmaxAccuracy(double separation)
    {
        // ∫ φ(t) Φ(t + μ)^{k−1} dt over [−10, 10] by the trapezoid rule: the integrand is smooth and below 1e-22 outside.
        const int Steps = 4000;
        var h = 20.0 / Steps;
        double sum = 0;
        for (var i = 0; i <= Steps; i++)
        {
            var t = -10 + i * h;
            var f = Math.Exp(-t * t / 2) / Math.Sqrt(2 * Math.PI) * Math.Pow(NormalCdf(t + separation), Classes - 1);
            sum += (i == 0 || i == Steps ? 0.5 : 1) * f;
        }

        return sum * h;
    }

    private static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        // Numerical Recipes' erfc with fractional error below 1.2e-7.
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static long SampleCount(Random random, double pairs, double p)
    {
        // Binomial(pairs, p) by its normal approximation when the mean is large, exactly by Poisson otherwise.
        var mean = pairs * p;
        if (mean > 50)
        {
            return Math.Max(0, (long)Math.Round(mean + Math.Sqrt(mean * (1 - p)) * Normal(random)));
        }

        long k = 0;
        var limit = Math.Exp(-mean);
        var product = random.NextDouble();
        while (product > limit)
        {
            k++;
            product *= random.NextDouble();
        }

        return k;
    }
}
