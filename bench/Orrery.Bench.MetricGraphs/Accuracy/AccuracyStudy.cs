using System.Diagnostics;
using System.Globalization;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;
using Orrery.MetricGraphs.Tests.Support;

namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// <c>--mode accuracy</c>: the sampler's error against dt with <c>boundary: step</c> and <c>bridge</c>, on two problems
/// with independent references (issue 13):
/// <list type="bullet">
/// <item>star: 5 arms of length 1, sigma 0.8, absorbing leaves, start at x0 = 0.5 on arm 0. E[exit time] =
/// (L^2 - x0^2) / sigma^2 (the distance from the centre is a reflected Brownian motion: every arm is alike) and
/// P(exit via arm 0) = 1/5 + (4/5) x0 / L (closed form 3 of specs/metric-graphs.md). The mean exit time does not
/// depend on which arm a particle is on, so its error is the absorbing ends' alone; the exit probability also sees
/// the centre junction's edge choice.</item>
/// <item>graph: <see cref="TestGraphs.PendantTriangle"/> (a triangle with constant and linear drifts, drift into B
/// and into C, absorbing pendants C-D and B-F) from vertex A, against <see cref="GeneratorSolver"/> (finite
/// differences of the generator, 400 cells per edge): E[exit time], P(exit at D), and the expected time spent on
/// each edge and in the bins next to the vertices the drift points into before exit (vertex passage).</item>
/// <item>stationary: the stationary occupation of a star whose drifts point into the centre, against closed form 6
/// (see <see cref="StationaryProblem"/>): the vertex-passage question for stationary occupations.</item>
/// </list>
/// Then the cost at matched accuracy: particle-steps (and seconds) to reach a relative error of
/// <see cref="AccuracySettings.TargetError"/> in the star's mean exit time with each scheme.
/// </summary>
internal static class AccuracyStudy
{
    /// <summary>Particles per sampler call: ~20 MB of state, and the batches give batch-means errors.</summary>
    private const int BatchParticles = 1_000_000;

    /// <summary>Fewest batches per run (batch means from fewer would have a badly known spread).</summary>
    private const int MinBatches = 8;

    /// <summary>Histogram bins per edge; the vertex-passage bins are the ones touching B on AB and C on CA.</summary>
    private const int Bins = 16;

    public static int Run(AccuracySettings settings)
    {
        Directory.CreateDirectory(settings.OutputDirectory);
        var notes = new List<string>();
        var problems = new[] { StarProblem(notes), GraphProblem(notes), StationaryProblem(notes) }.Where(p => settings.Problems.Contains(p.Name)).ToArray();
        foreach (var note in notes)
        {
            Console.WriteLine("# " + note);
        }

        // Warm-up: JIT and tiered compilation of both boundary paths.
        foreach (var boundary in new[] { BoundaryScheme.Step, BoundaryScheme.Bridge })
        {
            Measure(problems[0], boundary, 0.01, 20_000, settings);
        }

        var measurements = new List<Measurement>();
        foreach (var problem in problems)
        {
            foreach (var dt in settings.TimeSteps.OrderByDescending(t => t))
            {
                foreach (var boundary in new[] { BoundaryScheme.Step, BoundaryScheme.Bridge })
                {
                    var m = Measure(problem, boundary, dt, settings.ParticlesFor(dt, problem.ExpectedOrder(boundary), problem.CostTime), settings);
                    measurements.Add(m);
                    Print(problem, m);
                }
            }
        }

        foreach (var problem in problems.Where(p => !p.Stationary))
        {
            ConfirmTarget(problem, measurements, settings);
        }

        var costs = problems.Where(p => !p.Stationary).Select(p => CostAtMatchedAccuracy(p, measurements, settings)).OfType<CostEstimate>().ToList();
        AccuracyReport.Write(settings, problems, measurements, costs, notes);
        return 0;
    }

    /// <summary>One run in batches of at most <see cref="BatchParticles"/>, timed from placement to the last batch.</summary>
    internal static Measurement Measure(AccuracyProblem problem, BoundaryScheme boundary, double dt, int particles, AccuracySettings settings)
    {
        var timeStep = (float)dt;
        var steps = (long)Math.Ceiling(problem.Horizon / timeStep);
        var options = new SamplingOptions
        {
            Seed = settings.Seed,
            TimeStep = timeStep,
            Steps = steps,
            Boundary = boundary,
            BinsPerEdge = Bins,
            SampleEvery = problem.SampleOccupation || problem.Stationary ? 1 : steps,
            WindowSteps = problem.Stationary ? (steps + 1) / 2 : 0,
            ExitTimeBins = 16,
            MaxDegreeOfParallelism = settings.Threads,
        };
        var sampler = new MetricGraphSampler(problem.Graph, options);
        var batches = Math.Max(MinBatches, (particles + BatchParticles - 1) / BatchParticles);
        var parts = new List<SamplingResult>(batches);
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches; b++)
        {
            var first = (long)particles * b / batches;
            var end = (long)particles * (b + 1) / batches;
            parts.Add(sampler.Run(first, (int)(end - first), problem.Initial));
        }

        clock.Stop();
        var merged = SamplingResult.Merge(parts);
        var values = problem.Observables.Select(o =>
        {
            var estimate = o.Estimate(merged);
            var standardError = o.StandardError(merged, parts);
            return (estimate, standardError, o.Error(estimate), o.Scale(standardError));
        }).ToArray();
        return new Measurement(problem.Name, boundary, timeStep, particles, merged.ParticleSteps, clock.Elapsed.TotalSeconds, merged.Exited, values);
    }

    private static void Print(AccuracyProblem problem, Measurement m)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"ACCURACY problem={m.Problem} boundary={m.Boundary.ToString().ToLowerInvariant()} dt={m.TimeStep:G6} particles={m.Particles} particle_steps={m.ParticleSteps} " +
            $"seconds={m.Seconds:F2} rate={m.Rate:E3} exited={m.Exited}");
        for (var i = 0; i < problem.Observables.Count; i++)
        {
            var v = m.Values[i];
            line += string.Create(CultureInfo.InvariantCulture, $" | {problem.Observables[i].Name}: {v.Estimate:G7} err {v.Error:+0.000E+00;-0.000E+00} +- {v.ErrorStandardError:0.0E+00}");
        }

        Console.WriteLine(line);
        if (m.Exited < m.Particles && !problem.Stationary)
        {
            Console.WriteLine($"# WARNING {m.Particles - m.Exited} particles had not exited at the horizon {problem.Horizon}");
        }
    }

    private static AccuracyProblem StarProblem(List<string> notes)
    {
        const int arms = 5;
        const double length = 1, sigma = 0.8, start = 0.5;
        var graph = MetricGraphGenerators.Star(Enumerable.Repeat(length, arms).ToArray(), null, sigma, VertexKind.Absorbing);
        var leaf = graph.VertexIndex("leaf0");
        var meanExit = (length * length - start * start) / (sigma * sigma);
        var exit0 = 1.0 / arms + (1 - 1.0 / arms) * start / length;

        // The closed forms against the finite-difference solver: two independent derivations of the same numbers.
        var solver = new GeneratorSolver(graph);
        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"star: closed forms E[exit time] = {meanExit:G8}, P(exit at leaf0) = {exit0:G8}; generator solver (400 cells) " +
            $"{solver.MeanExitTime().At(0, start):G8}, {solver.ExitProbability(leaf).At(0, start):G8}"));

        // Survival decays like exp(-D (pi / 2L)^2 t) = exp(-0.79 t): 30 time units leave ~1e-10 of the particles.
        return new AccuracyProblem("star", "5 arms of length 1, sigma 0.8, absorbing leaves, start at x = 0.5 on arm 0", graph,
            InitialCondition.AtPoint(0, (float)start), 30, false, 1,
            [Observable.MeanExitTime(meanExit), Observable.ExitProbability("leaf0", leaf, exit0)], Lifetime: meanExit);
    }

    private static AccuracyProblem GraphProblem(List<string> notes)
    {
        var graph = TestGraphs.PendantTriangle();
        var start = graph.VertexIndex("A");
        var fine = new GeneratorSolver(graph, 400);

        // A second resolution for the reference's own error: bins of 400 / 16 = 25 and 160 / 16 = 10 cells keep every bin
        // edge on a node; the error is O(h^2), so the 400-cell error is about |400 - 160| / ((400 / 160)^2 - 1) = |diff| / 5.25.
        var coarse = new GeneratorSolver(graph, 160);
        var ab = graph.EdgeIndex("AB");
        var ca = graph.EdgeIndex("CA");
        var references = new List<(string Name, Func<GeneratorSolver, double> Value, Func<double, Observable> Make)>
        {
            ("E[exit time]", s => s.MeanExitTime().AtVertex(start), Observable.MeanExitTime),
            ("P(exit at D)", s => s.ExitProbability(graph.VertexIndex("D")).AtVertex(start), x => Observable.ExitProbability("D", graph.VertexIndex("D"), x)),
        };
        for (var e = 0; e < graph.EdgeCount; e++)
        {
            var edge = e;
            var name = $"time on {graph.Edges[e].Id}";
            references.Add((name, s => s.ExpectedTime((k, _) => k == edge ? 1 : 0).AtVertex(start), x => Observable.TimeIn(name, edge, 0, Bins, x)));
        }

        var nearB = $"time in AB's last 1/{Bins} (at B)";
        var nearC = $"time in CA's first 1/{Bins} (at C)";
        var abLength = graph.Edges[ab].Length;
        var caLength = graph.Edges[ca].Length;
        references.Add((nearB, s => s.ExpectedTime((k, x) => k == ab ? Indicator(x, abLength * (Bins - 1) / Bins, abLength, abLength) : 0).AtVertex(start),
            x => Observable.TimeIn(nearB, ab, Bins - 1, Bins, x)));
        references.Add((nearC, s => s.ExpectedTime((k, x) => k == ca ? Indicator(x, 0, caLength / Bins, caLength) : 0).AtVertex(start),
            x => Observable.TimeIn(nearC, ca, 0, 1, x)));

        var observables = new List<Observable>();
        var worst = 0.0;
        foreach (var (name, value, make) in references)
        {
            var exact = value(fine);
            worst = Math.Max(worst, Math.Abs(exact - value(coarse)) / 5.25 / Math.Abs(exact));
            observables.Add(make(exact));
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"graph: generator solver {name} from A = {exact:G8}"));
        }

        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"graph: the 400-cell references' estimated relative error (|400 - 160 cells| / 5.25): at most {worst:E1}"));

        // The slowest mode is that of a particle held in the triangle by the drifts; 60 time units: checked per run (exited = particles).
        return new AccuracyProblem("graph", "TestGraphs.PendantTriangle from A: triangle A-B-C with drifts, absorbing pendants C-D and B-F", graph,
            InitialCondition.AtVertex(start), 60, true, 1, observables, Lifetime: 3.6);
    }

    /// <summary>
    /// Stationary occupation next to a vertex with drift into it: a star of 3 arms of length 1, sigma 1, reflecting
    /// leaves, constant drifts -1, -2, -3 towards the centre (a potential V = u x, continuous at the centre), uniform
    /// weights. Closed form 6 of the spec: density proportional to exp(-u_e x / D), so edge e holds
    /// (D / u_e)(1 - exp(-u_e L / D)) and its bin next to the centre (D / u_e)(1 - exp(-u_e L / (16 D))), normalised. No
    /// absorbing end: <c>step</c> and <c>bridge</c> run the same code and must give the same bits (their rows are equal).
    /// </summary>
    private static AccuracyProblem StationaryProblem(List<string> notes)
    {
        double[] velocities = [1, 2, 3];
        const double length = 1, sigma = 1, d = sigma * sigma / 2;
        var graph = MetricGraphGenerators.Star(Enumerable.Repeat(length, velocities.Length).ToArray(), null, sigma, VertexKind.Junction,
            velocities.Select(u => EdgeDrift.Constant(-u)).ToArray());
        double Mass(double u, double x) => d / u * (1 - Math.Exp(-u * x / d));
        var total = velocities.Sum(u => Mass(u, length));
        var observables = new List<Observable>();
        for (var e = 0; e < velocities.Length; e++)
        {
            observables.Add(Observable.StationaryFraction($"occupation of arm {e} (u = {velocities[e]})", e, 0, Bins, Mass(velocities[e], length) / total));
        }

        for (var e = 0; e < velocities.Length; e++)
        {
            observables.Add(Observable.StationaryFraction($"arm {e}'s first 1/{Bins} (at the centre)", e, 0, 1, Mass(velocities[e], length / Bins) / total));
        }

        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"stationary: closed form 6, arm occupations {string.Join(", ", observables.Take(3).Select(o => o.Exact.ToString("G6", CultureInfo.InvariantCulture)))}, " +
            $"bins at the centre {string.Join(", ", observables.Skip(3).Select(o => o.Exact.ToString("G6", CultureInfo.InvariantCulture)))}"));

        // Spectral gap of an arm: at least D (pi / L)^2 + u^2 / (4 D) = 5.4, so the start at the centre is forgotten to
        // exp(-5.4 x 2) ~ 2e-5 by the second half of a horizon of 4.
        return new AccuracyProblem("stationary", "3 arms of length 1, sigma 1, reflecting leaves, constant drift -1, -2, -3 into the centre; the last half of 4 time units from the centre",
            graph, InitialCondition.AtVertex(graph.VertexIndex("c")), 4, true, 1, observables, Stationary: true);
    }

    /// <summary>The indicator of [low, high] at a node, 1/2 on the interval's ends (the trapezoid rule), vertices excluded by the solver.</summary>
    private static double Indicator(double x, double low, double high, double length)
    {
        var tolerance = 1e-9 * length;
        if (Math.Abs(x - low) < tolerance || Math.Abs(x - high) < tolerance)
        {
            return 0.5;
        }

        return x > low && x < high ? 1 : 0;
    }

    /// <summary>
    /// Particle-steps to reach a relative error of <see cref="AccuracySettings.TargetError"/> in the mean exit time with each
    /// scheme. Measured where the study has a bridge run that reached it (|error| + 2 SE &lt;= target: the largest such dt,
    /// with that run's particles); the step scheme's dt for the same particles is where its fitted bias equals the target less
    /// the 2 SE of those particles (extrapolated: no affordable step run gets there). Where no bridge run reached the
    /// target, both come from the fits: bias &lt;= target / 2 and N = (2 CV / (target / 2))^2.
    /// </summary>
    /// <summary>
    /// Where no bridge run of the series reached the target and its errors are too close to 0 for a fit (fewer than two
    /// points above 2 standard errors: the bias is at the series' noise), runs the bridge with enough particles for the target, N = (2 CV /
    /// (target / 2))^2, at the study's dts from 0.02 down until one run reaches |error| + 2 SE &lt;= target (at most three
    /// tries); the run joins the measurements, where <see cref="CostAtMatchedAccuracy"/> finds it.
    /// </summary>
    private static void ConfirmTarget(AccuracyProblem problem, List<Measurement> measurements, AccuracySettings settings)
    {
        var bridge = measurements.Where(m => m.Problem == problem.Name && m.Boundary == BoundaryScheme.Bridge).ToList();
        bool Reached(Measurement m) => Math.Abs(m.Values[0].Error) + 2 * m.Values[0].ErrorStandardError <= settings.TargetError;
        if (bridge.Count == 0 || bridge.Any(Reached) || FitOf(bridge) is not null)
        {
            return;
        }

        var widest = bridge.MaxBy(m => m.Particles)!;
        var cv = widest.Values[0].StandardError * Math.Sqrt(widest.Particles) / widest.Values[0].Estimate;
        var particles = (int)Math.Min(int.MaxValue, Math.Ceiling(Math.Pow(2 * cv / (settings.TargetError / 2), 2)));
        foreach (var dt in settings.TimeSteps.Where(t => t <= 0.02).OrderByDescending(t => t).Take(3))
        {
            var m = Measure(problem, BoundaryScheme.Bridge, dt, particles, settings);
            measurements.Add(m);
            Console.Write("# target run: ");
            Print(problem, m);
            if (Reached(m))
            {
                return;
            }
        }
    }

    /// <summary>The fit of the first observable's error against dt over <paramref name="series"/> (null where fewer than two points stand above 2 SE).</summary>
    private static ErrorFit? FitOf(IEnumerable<Measurement> series)
    {
        var ordered = series.OrderBy(m => m.TimeStep).ToList();
        return ErrorFit.Of(ordered.Select(m => m.TimeStep).ToArray(), ordered.Select(m => m.Values[0].Error).ToArray(),
            ordered.Select(m => m.Values[0].ErrorStandardError).ToArray());
    }

    private static CostEstimate? CostAtMatchedAccuracy(AccuracyProblem problem, List<Measurement> measurements, AccuracySettings settings)
    {
        var runs = measurements.Where(m => m.Problem == problem.Name).ToList();
        var exact = problem.Observables[0].Exact;
        ErrorFit? Fit(BoundaryScheme b) => FitOf(runs.Where(m => m.Boundary == b));

        var stepFit = Fit(BoundaryScheme.Step);
        var bridgeFit = Fit(BoundaryScheme.Bridge);
        if (stepFit is null)
        {
            Console.WriteLine($"# {problem.Name}: cost at matched accuracy: no fit of the step scheme's error");
            return null;
        }

        var target = settings.TargetError;
        var smallestStep = runs.Where(m => m.Boundary == BoundaryScheme.Step).MinBy(m => m.TimeStep)!;
        var smallestBridge = runs.Where(m => m.Boundary == BoundaryScheme.Bridge).MinBy(m => m.TimeStep)!;
        var reached = runs.Where(m => m.Boundary == BoundaryScheme.Bridge && Math.Abs(m.Values[0].Error) + 2 * m.Values[0].ErrorStandardError <= target)
            .MaxBy(m => m.TimeStep);
        double Steps(double dt, long particles) => particles * (exact / dt + 0.5);

        // The step scheme's leading term is c sqrt(dt) (Broadie-Glasserman-Kou); c from its smallest measured dt alone.
        var halfPowerPrefactor = Math.Abs(smallestStep.Values[0].Error) / Math.Sqrt(smallestStep.TimeStep);
        if (reached is not null)
        {
            var allowance = target - 2 * reached.Values[0].ErrorStandardError;
            var stepDt = stepFit.TimeStepFor(allowance);
            var stepDtHalf = Math.Pow(allowance / halfPowerPrefactor, 2);
            return new CostEstimate(problem.Name, target, allowance, reached.Particles, stepFit, bridgeFit, stepDt, stepDtHalf, reached.TimeStep,
                Steps(stepDt, reached.Particles), Steps(stepDtHalf, reached.Particles), reached.ParticleSteps, smallestStep.Rate, reached.Rate, reached);
        }

        if (bridgeFit is null)
        {
            Console.WriteLine($"# {problem.Name}: cost at matched accuracy: no bridge run reached the target and no fit of its error");
            return null;
        }

        // Half the target for the bias, half for the Monte Carlo error at 2 standard errors, the same N for both schemes
        // (same process, same exit-time spread), so the particle-step ratio is the dt ratio.
        var cv = smallestBridge.Values[0].StandardError * Math.Sqrt(smallestBridge.Particles) / smallestBridge.Values[0].Estimate;
        var half = target / 2;
        var particles = (long)Math.Ceiling(Math.Pow(2 * cv / half, 2));
        var bridgeDt = bridgeFit.TimeStepFor(half);
        var stepDtFit = stepFit.TimeStepFor(half);
        var stepDtHalfPower = Math.Pow(half / halfPowerPrefactor, 2);
        return new CostEstimate(problem.Name, target, half, particles, stepFit, bridgeFit, stepDtFit, stepDtHalfPower, bridgeDt,
            Steps(stepDtFit, particles), Steps(stepDtHalfPower, particles), Steps(bridgeDt, particles), smallestStep.Rate, smallestBridge.Rate, null);
    }
}
