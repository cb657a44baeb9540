using System.Diagnostics;
using System.Globalization;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.Bench.MetricGraphs;

/// <summary>
/// CPU throughput of the metric-graph sampler in particle-steps per second, for the scenarios of
/// specs/metric-graphs.md (bench/run-metric-graphs-cpu.sh runs it beside the NumPy peer):
/// <list type="bullet">
/// <item>star5: 5 edges of length 10, sigma 1, quadratic potentials a(x) = -c x with c = 10, 20, 30, 40, 50,
/// dt = 1e-5, particles start at the centre (the reference's setting);</item>
/// <item>vessel: the vessel-like tree of 1,701 segments (1,702 vertices, seed 1), sigma 1, absorbing
/// outlets, dt = 2.5e-3 (sigma sqrt(dt) = 0.05, a tenth of the shortest segment), uniform start.</item>
/// </list>
/// Occupation is sampled every 100 steps into 32 bins per edge in both. Per step and particle the work is
/// one Philox4x32-10 block per two steps (10 rounds of two 32x32 multiplies), one Box–Muller per two
/// steps (a log, a sqrt, a sine/cosine) and about 15 flops of stepping.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var settings = Settings.Parse(args);
        if (settings is null)
        {
            Console.Error.WriteLine("usage: Orrery.Bench.MetricGraphs --scenario star5|vessel [--particles N] [--steps N] [--threads N] [--export-graph FILE] [--repeat N]");
            return 2;
        }

        var (graph, initial, dt) = Scenario(settings.Scenario);
        if (settings.ExportGraph is not null)
        {
            File.WriteAllText(settings.ExportGraph, MetricGraphJson.Write(graph, settings.Scenario));
        }

        var options = new SamplingOptions
        {
            Seed = 2024,
            TimeStep = dt,
            Steps = settings.Steps,
            SampleEvery = 100,
            BinsPerEdge = 32,
            MaxDegreeOfParallelism = settings.Threads,
        };
        var sampler = new MetricGraphSampler(graph, options);

        // Warm-up: JIT and tiered compilation of the stepping loop on a small ensemble.
        new MetricGraphSampler(graph, options with { Steps = Math.Min(options.Steps, 200) }).Run(0, 50_000, initial(graph));

        Console.WriteLine($"# orrery {settings.Scenario}: {graph.VertexCount} vertices, {graph.EdgeCount} edges, dt {dt}, {settings.Particles} particles x {settings.Steps} steps, " +
            $"threads {(settings.Threads < 0 ? Environment.ProcessorCount : settings.Threads)}, {Environment.ProcessorCount} cores");
        for (var repeat = 0; repeat < settings.Repeat; repeat++)
        {
            var state = sampler.CreateEnsemble(0, settings.Particles, initial(graph));
            var clock = Stopwatch.StartNew();
            var result = sampler.Advance(state, settings.Steps);
            clock.Stop();
            var rate = result.ParticleSteps / clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT impl=orrery scenario={settings.Scenario} particles={settings.Particles} steps={settings.Steps} particle_steps={result.ParticleSteps} " +
                $"seconds={clock.Elapsed.TotalSeconds:F3} rate={rate:E4} splits_per_step={(double)result.Splits / result.ParticleSteps:E3} " +
                $"truncated={result.TruncatedSteps} exited={result.Exited} occupation_e0={result.OccupationFraction(0, 0):F4}"));
        }

        return 0;
    }

    private static (MetricGraph Graph, Func<MetricGraph, InitialCondition> Initial, float TimeStep) Scenario(string name) => name switch
    {
        "star5" => (MetricGraphGenerators.Star(Enumerable.Repeat(10.0, 5).ToArray(), null, 1, VertexKind.Junction,
            [EdgeDrift.Linear(-10), EdgeDrift.Linear(-20), EdgeDrift.Linear(-30), EdgeDrift.Linear(-40), EdgeDrift.Linear(-50)]),
            g => InitialCondition.AtVertex(g.VertexIndex("c")), 1e-5f),
        "vessel" => (MetricGraphGenerators.VesselNetwork(new VesselNetworkOptions()), InitialCondition.UniformByLength, 2.5e-3f),
        _ => throw new ArgumentException($"unknown scenario \"{name}\"; use star5 or vessel"),
    };

    private sealed record Settings(string Scenario, int Particles, long Steps, int Threads, string? ExportGraph, int Repeat)
    {
        public static Settings? Parse(string[] args)
        {
            var values = new Dictionary<string, string>();
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    return null;
                }

                values[args[i][2..]] = args[i + 1];
            }

            if (args.Length % 2 != 0 || !values.TryGetValue("scenario", out var scenario))
            {
                return null;
            }

            return new Settings(scenario,
                int.Parse(values.GetValueOrDefault("particles", "1000000"), CultureInfo.InvariantCulture),
                long.Parse(values.GetValueOrDefault("steps", "1000"), CultureInfo.InvariantCulture),
                int.Parse(values.GetValueOrDefault("threads", "-1"), CultureInfo.InvariantCulture),
                values.GetValueOrDefault("export-graph"),
                int.Parse(values.GetValueOrDefault("repeat", "1"), CultureInfo.InvariantCulture));
        }
    }
}
