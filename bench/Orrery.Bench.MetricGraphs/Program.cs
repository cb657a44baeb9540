using System.Diagnostics;
using System.Globalization;
using Orrery.Bench.MetricGraphs.Accuracy;
using Orrery.Compute;
using Orrery.Contracts.MetricGraphs;
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
/// <item>star-exit: the accuracy study's star (5 arms of length 1, sigma 0.8, absorbing leaves), dt = 1e-3, start at
/// the centre: sigma sqrt(dt) = 0.025 of an arm, so the bridge test runs wherever a particle nears a leaf.</item>
/// </list>
/// <c>--boundary bridge|step</c> (default bridge, the sampler's default) picks the absorbing-end scheme; star5 has no
/// absorbing end, so there it changes nothing. <c>--mode accuracy</c> runs <see cref="AccuracyStudy"/> instead
/// (bench/run-metric-graphs-accuracy.sh).
/// Occupation is sampled every 100 steps into 32 bins per edge in both. Per step and particle the work is
/// one Philox4x32-10 block per two steps (10 rounds of two 32x32 multiplies), one Box–Muller per two
/// steps (a log, a sqrt, a sine/cosine) and about 15 flops of stepping.
/// <para>
/// <c>--device cuda</c> (or <c>cuda:N</c>) runs <see cref="CudaMetricGraphSampler"/> (kernels/metric_graph.cu) instead, after a
/// warm-up that compiles the kernel; the time is the whole <see cref="IParticleSampler.Advance"/>, uploads and
/// downloads of the state and counts included. It also prints the fraction of the GPU's instruction issue
/// rate the kernel reaches, from an estimate of ~100 thread-instructions per particle-step (half a Philox
/// block: ~50 integer operations; half a Box–Muller: ~25; the step and the sample: ~25) against
/// SMs x 128 lanes x the clock (<c>--clock-ghz</c>, default 1.98, the H100/H200 SXM boost clock): an
/// estimate, not a counter reading. bench/run-metric-graphs-gpu.sh runs it beside the PyTorch peer.
/// </para>
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var values = Settings.Arguments(args);
        if (values is not null && values.GetValueOrDefault("mode") == "accuracy")
        {
            return AccuracyStudy.Run(AccuracySettings.Parse(values));
        }

        var settings = values is null ? null : Settings.Parse(values);
        if (settings is null)
        {
            Console.Error.WriteLine("usage: Orrery.Bench.MetricGraphs --scenario star5|vessel|star-exit [--particles N] [--steps N] [--threads N] [--export-graph FILE] [--repeat N] " +
                "[--boundary bridge|step] [--device cpu|cuda|cuda:N] [--steps-per-launch N] [--clock-ghz F]\n" +
                "       Orrery.Bench.MetricGraphs --mode accuracy [--dts 0.04,0.02,...] [--half-order-constant K] [--min-particles N] [--max-particles N] " +
                "[--target 1e-3] [--threads N] [--seed S] [--out DIR]");
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
            Boundary = settings.Boundary,
        };
        if (settings.Device != "cpu")
        {
            return RunOnGpu(settings, graph, initial(graph), options);
        }

        var sampler = new MetricGraphSampler(graph, options);

        // Warm-up: JIT and tiered compilation of the stepping loop on a small ensemble.
        new MetricGraphSampler(graph, options with { Steps = Math.Min(options.Steps, 200) }).Run(0, 50_000, initial(graph));

        Console.WriteLine($"# orrery {settings.Scenario}: {graph.VertexCount} vertices, {graph.EdgeCount} edges, dt {dt}, {settings.Particles} particles x {settings.Steps} steps, " +
            $"boundary {settings.Boundary.ToString().ToLowerInvariant()}, threads {(settings.Threads < 0 ? Environment.ProcessorCount : settings.Threads)}, {Environment.ProcessorCount} cores");
        for (var repeat = 0; repeat < settings.Repeat; repeat++)
        {
            var state = sampler.CreateEnsemble(0, settings.Particles, initial(graph));
            var clock = Stopwatch.StartNew();
            var result = sampler.Advance(state, settings.Steps);
            clock.Stop();
            var rate = result.ParticleSteps / clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT impl=orrery scenario={settings.Scenario} boundary={settings.Boundary.ToString().ToLowerInvariant()} particles={settings.Particles} steps={settings.Steps} particle_steps={result.ParticleSteps} " +
                $"seconds={clock.Elapsed.TotalSeconds:F3} rate={rate:E4} splits_per_step={(double)result.Splits / result.ParticleSteps:E3} " +
                $"truncated={result.TruncatedSteps} exited={result.Exited} occupation_e0={result.OccupationFraction(0, 0):F4}"));
        }

        return 0;
    }

    /// <summary>The CUDA sampler: exit 3 with the reason when no GPU is usable (no exception, no result line).</summary>
    private static int RunOnGpu(Settings settings, MetricGraph graph, InitialCondition initial, SamplingOptions options)
    {
        var device = settings.Device == "cuda" ? "cuda:0" : settings.Device;
        DeviceDiscovery discovery;
        try
        {
            discovery = ComputeDevices.Discover(device);
        }
        catch (ComputeException e)
        {
            Console.WriteLine($"# orrery {settings.Scenario}: no GPU run: {e.Message}");
            return 3;
        }

        using (discovery)
        {
            var gpu = discovery.Gpus[0];
            var sampler = new CudaMetricGraphSampler(gpu, graph, options, settings.StepsPerLaunch);

            // Warm-up: NVRTC compiles kernels/metric_graph.cu (or the cache loads it) and the first launches run.
            var warm = sampler.CreateEnsemble(0, Math.Min(settings.Particles, 1 << 20), initial);
            sampler.Advance(warm, Math.Min(options.Steps, 2 * settings.StepsPerLaunch));

            Console.WriteLine($"# orrery {settings.Scenario}: {graph.VertexCount} vertices, {graph.EdgeCount} edges, dt {options.TimeStep}, {settings.Particles} particles x {settings.Steps} steps, " +
                $"{gpu.Name} {gpu.Model} ({gpu.Multiprocessors} SMs, kernels for {gpu.KernelTarget}), {settings.StepsPerLaunch} steps per launch, " +
                $"block histogram {(sampler.UsesBlockHistogram ? "in shared memory" : "in global memory")}");
            var issueRate = gpu.Multiprocessors * 128.0 * settings.ClockGhz * 1e9;
            for (var repeat = 0; repeat < settings.Repeat; repeat++)
            {
                var state = sampler.CreateEnsemble(0, settings.Particles, initial);
                var clock = Stopwatch.StartNew();
                var result = sampler.Advance(state, settings.Steps);
                clock.Stop();
                var rate = result.ParticleSteps / clock.Elapsed.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"RESULT impl=orrery-cuda scenario={settings.Scenario} particles={settings.Particles} steps={settings.Steps} particle_steps={result.ParticleSteps} " +
                    $"seconds={clock.Elapsed.TotalSeconds:F3} rate={rate:E4} splits_per_step={(double)result.Splits / result.ParticleSteps:E3} " +
                    $"truncated={result.TruncatedSteps} exited={result.Exited} occupation_e0={result.OccupationFraction(0, 0):F4} " +
                    $"issue_fraction={rate * InstructionsPerParticleStep / issueRate:F3} device=\"{gpu.Model}\""));
            }
        }

        return 0;
    }

    /// <summary>Estimated thread-instructions per particle-step of kernels/metric_graph.cu (see the class summary).</summary>
    private const double InstructionsPerParticleStep = 100;

    private static (MetricGraph Graph, Func<MetricGraph, InitialCondition> Initial, float TimeStep) Scenario(string name) => name switch
    {
        "star5" => (MetricGraphGenerators.Star(Enumerable.Repeat(10.0, 5).ToArray(), null, 1, VertexKind.Junction,
            [EdgeDrift.Linear(-10), EdgeDrift.Linear(-20), EdgeDrift.Linear(-30), EdgeDrift.Linear(-40), EdgeDrift.Linear(-50)]),
            g => InitialCondition.AtVertex(g.VertexIndex("c")), 1e-5f),
        "vessel" => (MetricGraphGenerators.VesselNetwork(new VesselNetworkOptions()), InitialCondition.UniformByLength, 2.5e-3f),
        "star-exit" => (MetricGraphGenerators.Star(Enumerable.Repeat(1.0, 5).ToArray(), null, 0.8, VertexKind.Absorbing),
            g => InitialCondition.AtVertex(g.VertexIndex("c")), 1e-3f),
        _ => throw new ArgumentException($"unknown scenario \"{name}\"; use star5, vessel or star-exit"),
    };

    private sealed record Settings(string Scenario, int Particles, long Steps, int Threads, string? ExportGraph, int Repeat, string Device, int StepsPerLaunch, double ClockGhz,
        BoundaryScheme Boundary)
    {
        /// <summary>The --name value pairs, or null when the arguments are not such pairs.</summary>
        public static Dictionary<string, string>? Arguments(string[] args)
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

            return args.Length % 2 == 0 ? values : null;
        }

        public static Settings? Parse(Dictionary<string, string> values)
        {
            if (!values.TryGetValue("scenario", out var scenario))
            {
                return null;
            }

            var boundary = values.GetValueOrDefault("boundary", "bridge") switch
            {
                "bridge" => BoundaryScheme.Bridge,
                "step" => BoundaryScheme.Step,
                _ => (BoundaryScheme?)null,
            };
            if (boundary is null)
            {
                return null;
            }

            return new Settings(scenario,
                int.Parse(values.GetValueOrDefault("particles", "1000000"), CultureInfo.InvariantCulture),
                long.Parse(values.GetValueOrDefault("steps", "1000"), CultureInfo.InvariantCulture),
                int.Parse(values.GetValueOrDefault("threads", "-1"), CultureInfo.InvariantCulture),
                values.GetValueOrDefault("export-graph"),
                int.Parse(values.GetValueOrDefault("repeat", "1"), CultureInfo.InvariantCulture),
                values.GetValueOrDefault("device", "cpu"),
                int.Parse(values.GetValueOrDefault("steps-per-launch", CudaMetricGraphSampler.DefaultStepsPerLaunch.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
                double.Parse(values.GetValueOrDefault("clock-ghz", "1.98"), CultureInfo.InvariantCulture),
                boundary.Value);
        }
    }
}
